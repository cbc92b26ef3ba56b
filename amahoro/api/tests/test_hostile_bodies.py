"""Every operation of /api/v1/openapi.json, fed hostile bodies and query parameters by a system
administrator and by a case worker, answers below 500: JSON nested 100,000 deep, arrays, strings, numbers,
null, invalid UTF-8, numbers too large to hold, NaN, and 0000-00-00 for every date-looking parameter.

Path parameters are filled from the demo data so the requests reach the views' parsing, not a 404."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import override_settings

from .conftest import api_as

DEEP = b"[" * 100_000 + b"]" * 100_000
DEEP_OBJECT = b'{"a":' * 50_000 + b"1" + b"}" * 50_000
HOSTILE_BODIES: list[tuple[str, bytes]] = [
    ("deep array", DEEP),
    ("deep object", DEEP_OBJECT),
    ("array", b"[]"),
    ("string", b'"x"'),
    ("number", b"1"),
    ("null", b"null"),
    ("invalid utf-8", b'{"name": "\xff\xfe\xfa"}'),
    ("huge integer", b'{"amount": ' + b"9" * 5000 + b"}"),
    ("huge float", b'{"amount": 1e999}'),
    ("nan", b'{"amount": NaN}'),
    ("truncated", b'{"a": '),
    ("nul text", b'{"name": "a\\u0000b", "code": "a\\u0000b", "organisation": "a\\u0000b"}'),
    (
        "impossible dates",
        b'{"date": "0000-00-00", "since": "0000-00-00", "valid_from": "2026-02-30", "startDate": "0000-00-00",'
        b' "endDate": "0000-00-00", "incident_date": "0000-00-00", "report_date": "0000-00-00",'
        b' "provided_on": "0000-00-00", "referred_on": "0000-00-00", "period": "0000-00-00"}',
    ),
]
# Tried on every GET whether documented or not: views read some parameters the document does not name.
ALWAYS_DATES = ("since", "until", "date", "startDate", "endDate", "lastUpdated", "period")
DATE_WORDS = ("since", "until", "date", "from", "to", "start", "end", "day", "valid", "period", "modified")
BAD_DATES = ("0000-00-00", "2026-02-30", "9999999-01-01")


def _demo_params() -> dict[str, str]:
    """Path parameter values that exist in the demo data, by parameter name and path."""
    from amahoro.accounts.models import RoleAssignment, User
    from amahoro.cases.models import Consent, Incident, Service
    from amahoro.collection.models import CollectorToken, Submission, XForm
    from amahoro.collection.models import MappingRule as FormRule
    from amahoro.consultations.models import Assessment, ConsultationRound
    from amahoro.data.models import DataLock
    from amahoro.frameworks.models import Framework, Indicator
    from amahoro.funding.models import BudgetLine, IatiActivity, Transaction
    from amahoro.organisations.models import Organisation
    from amahoro.programmes.models import Cohort, Programme, Scale

    def first(qs: Any, attr: str = "pk") -> str:
        obj = qs.first()
        return str(getattr(obj, attr)) if obj is not None else "0"

    submission = Submission.objects.select_related("form").first()
    form = submission.form if submission else XForm.objects.first()
    cohort = Cohort.objects.select_related("programme").first()
    return {
        "ident": first(Incident.objects.all(), "uuid"),
        "service_id": first(Service.objects.all(), "pk"),
        "consent_id": first(Consent.objects.all(), "pk"),
        "form_id": form.form_id if form else "x",
        "instance_id": submission.instance_id if submission else "x",
        "forms/{form_id}/mapping-rules/{id}": first(FormRule.objects.filter(form=form)),
        "collector-tokens/{id}": first(CollectorToken.objects.all()),
        "dataLocks/{id}": first(DataLock.objects.all()),
        "budget-lines/{id}": first(BudgetLine.objects.all()),
        "transactions/{id}": first(Transaction.objects.all()),
        "activities/{id}": first(IatiActivity.objects.all()),
        "role-assignments/{id}": first(RoleAssignment.objects.all()),
        "rounds/{uuid}": first(ConsultationRound.objects.all(), "uuid"),
        "assessments/{uuid}": first(Assessment.objects.all(), "uuid"),
        "rounds/{uuid}/{action}": "open",
        "dataApprovals/{action}": "approve",
        "orgunits/{code}": "11",
        "organisations/{code}": first(Organisation.objects.all(), "code"),
        "frameworks/{code}": first(Framework.objects.all(), "code"),
        "indicators/{code}": first(Indicator.objects.all(), "code"),
        "programmes/{code}/cohorts/{cohort}": cohort.programme.code if cohort else "x",
        "programmes/{code}": first(Programme.objects.all(), "code"),
        "scales/{code}": first(Scale.objects.all(), "code"),
        "cohort": cohort.code if cohort else "x",
        "username": first(User.objects.all(), "username"),
        "fmt": "csv",
    }


def fill(path: str, params: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        for key, val in params.items():
            if "/" in key and key.endswith("{" + name + "}") and key.split("{")[0] in path:
                return val
        return params.get(name, "1")

    return re.sub(r"\{(\w+)\}", value, path)


@pytest.fixture
def demo(db: Any) -> Any:
    from amahoro import policy
    from amahoro.site.demo import demo_load

    demo_load(actor=policy.SYSTEM)
    from amahoro.accounts.models import User

    admin = User.objects.get(username="admin")
    admin.is_superuser = True
    admin.save(update_fields=["is_superuser"])
    return {"admin": admin, "worker": User.objects.get(username="case_worker")}


def _operations(client: Any) -> list[tuple[str, str, dict[str, Any]]]:
    schema = client.get("/api/v1/openapi.json").json()
    return [
        (path, method, op)
        for path, ops in schema["paths"].items()
        for method, op in ops.items()
        if method in ("get", "post", "put", "patch", "delete")
    ]


@override_settings(AMAHORO_REQUIRE_2FA=False)
def test_no_operation_answers_500_to_hostile_input(demo: Any) -> None:
    params = _demo_params()
    failures: list[str] = []
    for role in ("admin", "worker"):
        client = api_as(demo[role], raise_request_exception=False)
        for path, method, op in _operations(api_as(demo["admin"])):
            url = fill(path, params)
            if method in ("post", "put", "patch"):
                for label, body in HOSTILE_BODIES:
                    response = getattr(client, method)(url, data=body, content_type="application/json")
                    if response.status_code >= 500:
                        failures.append(f"{role} {method.upper()} {url} [{label}] -> {response.status_code}")
            query = [p["name"] for p in op.get("parameters", []) if p.get("in") == "query"]
            dated = {n for n in query if any(w in n.lower() for w in DATE_WORDS)} | set(ALWAYS_DATES)
            if method == "get":
                for name in sorted(dated):
                    for bad in BAD_DATES:
                        response = client.get(url, {name: bad})
                        if response.status_code >= 500:
                            failures.append(f"{role} GET {url}?{name}={bad} -> {response.status_code}")
                for name in query:
                    response = client.get(url, {name: "\x00" + "9" * 5000})
                    if response.status_code >= 500:
                        failures.append(f"{role} GET {url}?{name}=<huge> -> {response.status_code}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("label,body", HOSTILE_BODIES, ids=[b[0] for b in HOSTILE_BODIES])
def test_hostile_json_is_a_400_with_a_message(db: Any, label: str, body: bytes) -> None:
    from conftest import make_org, make_user

    worker = make_user("worker", ("case_worker", make_org("OSC1", "osc", areas=("12",)), "12"))
    response = api_as(worker).post("/api/v1/gbv/incidents", data=body, content_type="application/json")
    assert response.status_code == 400, (label, response.status_code, response.content[:300])
    assert response.json()["error"]
