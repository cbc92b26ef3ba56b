"""Demo step placeholder replaced below."""


def cases_demo_step(result, actor):
    return None
