"""Schemathesis over /api/v1/openapi.json against a live server on the loopback interface: every operation,
with data that fits the document and data that does not, as a system administrator and as a case worker,
must never answer 5xx. Bounded (a few examples per operation, derandomised) so it fits in `make test`.

Run only this: `.venv/bin/pytest -m fuzz`. AMAHORO_FUZZ_EXAMPLES raises the number of examples."""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlsplit

import pytest

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db(transaction=True)]

EXAMPLES = int(os.environ.get("AMAHORO_FUZZ_EXAMPLES", "3"))


@pytest.fixture
def tokens(transactional_db: Any) -> dict[str, str]:
    """Rwanda and the demo data (a live server's test is transactional: it flushes the session's load)."""
    from amahoro import policy
    from amahoro.accounts.models import User
    from amahoro.accounts.services import token_create
    from amahoro.geo.services import rwanda_load
    from amahoro.site.demo import demo_load

    rwanda_load(actor=policy.SYSTEM)
    demo_load(actor=policy.SYSTEM)
    admin = User.objects.get(username="admin")
    admin.is_superuser = True
    admin.save(update_fields=["is_superuser"])
    worker = User.objects.get(username="case_worker")
    return {
        "admin": token_create(actor=policy.SYSTEM, user=admin, name="fuzz")[1],
        "worker": token_create(actor=policy.SYSTEM, user=worker, name="fuzz")[1],
    }


def _fuzz(base: str, token: str, sent: list[int]) -> list[str]:
    import schemathesis

    headers = {"Authorization": f"Token {token}"}
    schema = schemathesis.openapi.from_url(f"{base}/api/v1/openapi.json", headers=headers, timeout=60)
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):
            _fuzz_operation(operation, mode, base, headers, failures, sent)
    return failures


def _fuzz_operation(
    operation: Any, mode: Any, base: str, headers: dict[str, str], failures: list[str], sent: list[int]
) -> None:
    import hypothesis
    from hypothesis import HealthCheck
    from schemathesis.checks import not_a_server_error

    @hypothesis.settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        response = case.call(base_url=base, headers=headers, timeout=60)
        sent.append(response.status_code)
        if response.status_code >= 500:
            failures.append(
                f"{case.method} {case.formatted_path} ({mode.value}) -> {response.status_code}: "
                f"query={case.query!r} body={str(case.body)[:200]!r}"
            )
        case.validate_response(response, checks=[not_a_server_error])

    try:
        run()
    except hypothesis.errors.Unsatisfiable:
        return
    except Exception as exc:  # a 5xx (recorded above) or an error generating data: note it, go on
        if not failures or operation.label not in failures[-1]:
            failures.append(f"{operation.label} ({mode.value}): {str(exc)[:300]}")


def test_no_operation_answers_a_server_error(live_server: Any, tokens: dict[str, str]) -> None:
    base = live_server.url
    assert urlsplit(base).hostname in ("localhost", "127.0.0.1"), base  # loopback only
    sent: list[int] = []
    failures = [f"{who}: {line}" for who, token in tokens.items() for line in _fuzz(base, token, sent)]
    assert not failures, "\n".join(failures)
    # It really ran: every operation was called, and most requests got past authentication.
    assert len(sent) > 2 * 100, len(sent)
    assert sum(1 for code in sent if code not in (401, 403)) > len(sent) // 2, sorted(set(sent))
