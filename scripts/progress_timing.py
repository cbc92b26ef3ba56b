"""Time the framework progress page (and the portal's NAP progress selector) on a loaded database.

    DATABASE_URL=sqlite:////tmp/adopt.db .venv/bin/python scripts/progress_timing.py [framework code] [runs]

Loads nothing: run `amahoro load_reference rwanda && amahoro load_demo` into that database first. Prints the
first request (cold: the live path reads its dimensions) and the median/p95 of the next runs, in ms.
"""

from __future__ import annotations

import os
import statistics
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "amahoro.settings.dev")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.test import Client  # noqa: E402

from amahoro.accounts.models import User  # noqa: E402


def main() -> None:
    code = sys.argv[1] if len(sys.argv) > 1 else "RW-NAP1325-2018"
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    settings.ALLOWED_HOSTS = ["*"]
    for username in ("migeprof_me", "viewer"):
        client = Client()
        client.force_login(User.objects.get(username=username))
        url = f"/frameworks/{code}/"
        times = []
        for _ in range(runs + 1):
            t0 = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200, response.status_code
        warm = sorted(times[1:])
        p95 = warm[min(len(warm) - 1, round(0.95 * len(warm)) - 1)]
        print(
            f"{url} as {username}: first {times[0]:.0f} ms, median {statistics.median(warm):.0f} ms, "
            f"p95 {p95:.0f} ms ({runs} runs)"
        )


if __name__ == "__main__":
    main()
