"""Case-module fixtures: an Isange One Stop Centre in Gasabo (district 12) with a case worker and a
supervisor, the same roles in another organisation and in another district, and non-case roles."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest

from conftest import make_org, make_user


@dataclass
class CaseCast:
    osc: Any
    ngo: Any
    worker: Any  # case_worker of OSC over district 12 Gasabo
    supervisor: Any  # case_supervisor of OSC over district 12
    worker_nyarugenge: Any  # case_worker of OSC over district 11 (same organisation, other district)
    ngo_worker: Any  # case_worker of NGO over district 12 (same place, other organisation)
    ngo_supervisor: Any
    me_officer: Any  # NGO M&E officer over the whole country (statistics only)
    sysadmin: Any
    nobody: Any


@pytest.fixture
def cc(db: Any) -> CaseCast:
    osc = make_org("OSC1", "osc", areas=("12",))
    ngo = make_org("NGO1", "ngo", areas=("11", "12"))
    platform = make_org("PLATFORM", "ministry")
    return CaseCast(
        osc=osc,
        ngo=ngo,
        worker=make_user("worker", ("case_worker", osc, "12")),
        supervisor=make_user("supervisor", ("case_supervisor", osc, "12")),
        worker_nyarugenge=make_user("worker_nyarugenge", ("case_worker", osc, "11")),
        ngo_worker=make_user("ngo_worker", ("case_worker", ngo, "12")),
        ngo_supervisor=make_user("ngo_supervisor", ("case_supervisor", ngo, "12")),
        me_officer=make_user("me_officer", ("me_officer", ngo, "RW")),
        sysadmin=make_user("sysadmin", ("system_admin", platform, "RW"), superuser=True),
        nobody=make_user("nobody"),
    )


NAME = "Uwimana Zakiya Testname"
PHONE = "+250 788 123 456"
ACCOUNT = "She was attacked near the Qwertyuiop market at dusk"


def payload(**overrides: Any) -> dict[str, Any]:
    today = date.today()
    body: dict[str, Any] = {
        "survivor": {
            "name": NAME,
            "phone": PHONE,
            "sex": "female",
            "age": 24,
            "address": "Plot 77 Zyxwvu Lane",
        },
        "incident_date": (today - timedelta(days=10)).isoformat(),
        "report_date": (today - timedelta(days=8)).isoformat(),
        "org_unit": "1201",
        "classification": {"penetration": True},
        "perpetrators": [{"relationship": "former_partner", "sex": "male", "age_group": "26-40"}],
        "goods_exchanged": False,
        "abduction": "none",
        "account": ACCOUNT,
        "consent": {"services": True, "reporting": True},
    }
    body.update(overrides)
    return body


def create(user: Any, **overrides: Any) -> Any:
    from amahoro.cases.inputs import incident_parse
    from amahoro.cases.services import incident_create

    return incident_create(actor=user, data=incident_parse(payload(**overrides)))


def consent_referral(user: Any, incident: Any, *kinds: str) -> None:
    """The survivor agrees to referral to these kinds of service (a referral to another organisation needs
    it besides the consent to services)."""
    from amahoro.cases.services import consent_record

    for kind in kinds or ("health", "psychosocial", "police", "legal"):
        consent_record(
            actor=user, incident=incident, purpose="referral", service=kind, given=True, method="verbal"
        )
