"""Worklist fixtures: a one-stop centre in Gasabo (district 12) with its case roles and administrator, the
same roles in another organisation and another district, police staff who answer referrals, and data roles."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

from conftest import make_org, make_user


@dataclass
class WorkCast:
    osc: Any
    ngo: Any
    police: Any
    worker: Any  # case_worker of OSC over 12
    worker_nyarugenge: Any  # case_worker of OSC over 11
    supervisor: Any  # case_supervisor of OSC over 12
    ngo_worker: Any  # case_worker of NGO over 12
    ngo_supervisor: Any  # case_supervisor of NGO over 12
    police_staff: Any  # service_provider of RNP, everywhere
    ngo_staff: Any  # service_provider of NGO, everywhere (a third organisation for a police referral)
    me_gasabo: Any  # me_officer of NGO over 12
    me_nyarugenge: Any  # me_officer of NGO over 11
    clerk: Any  # data_clerk of NGO over 12
    osc_admin: Any  # org_admin of OSC, everywhere
    ngo_admin: Any  # org_admin of NGO, everywhere
    viewer: Any
    nobody: Any


@pytest.fixture
def wc(db: Any) -> WorkCast:
    osc = make_org("OSC1", "osc", areas=("12",))
    ngo = make_org("NGO1", "ngo", areas=("11", "12"))
    police = make_org("RNP", "police", areas=("RW",))
    return WorkCast(
        osc=osc,
        ngo=ngo,
        police=police,
        worker=make_user("worker", ("case_worker", osc, "12")),
        worker_nyarugenge=make_user("worker_nyarugenge", ("case_worker", osc, "11")),
        supervisor=make_user("supervisor", ("case_supervisor", osc, "12")),
        ngo_worker=make_user("ngo_worker", ("case_worker", ngo, "12")),
        ngo_supervisor=make_user("ngo_supervisor", ("case_supervisor", ngo, "12")),
        police_staff=make_user("police_staff", ("service_provider", police, None)),
        ngo_staff=make_user("ngo_staff", ("service_provider", ngo, None)),
        me_gasabo=make_user("me_gasabo", ("me_officer", ngo, "12")),
        me_nyarugenge=make_user("me_nyarugenge", ("me_officer", ngo, "11")),
        clerk=make_user("clerk", ("data_clerk", ngo, "12")),
        osc_admin=make_user("osc_admin", ("org_admin", osc, None)),
        ngo_admin=make_user("ngo_admin", ("org_admin", ngo, None)),
        viewer=make_user("viewer", ("viewer", ngo, None)),
        nobody=make_user("nobody"),
    )


def rape_case(worker: Any, *, hours_ago: float = 2, sector: str = "1201", **extra: Any) -> Any:
    """A rape reported today by `worker`, `hours_ago` hours after it happened (Kigali time)."""
    from amahoro.cases.deadlines import KIGALI
    from amahoro.cases.inputs import incident_parse
    from amahoro.cases.services import incident_create

    when = dt.datetime.now(KIGALI) - dt.timedelta(hours=hours_ago)
    body: dict[str, Any] = {
        "survivor": {"name": "Fictitia Testname", "sex": "female", "age": 22},
        "incident_date": when.date().isoformat(),
        "incident_time": when.strftime("%H:%M"),
        "report_date": dt.datetime.now(KIGALI).date().isoformat(),
        "org_unit": sector,
        "classification": {"penetration": True},
        "consent": {"services": True, "reporting": True},
    }
    body.update(extra)
    return incident_create(actor=worker, data=incident_parse(body))


def referral(incident: Any, provider: Any, *, due_in_hours: float = 24, type: str = "police") -> Any:
    """A pending referral (as the referral pathway records it)."""
    from django.utils import timezone

    from amahoro.cases.models import Service

    return Service.objects.create(
        incident=incident,
        type=type,
        status="referred",
        provider=provider,
        referred_on=timezone.localdate(),
        referral_status="pending",
        urgency="urgent",
        reply_due_at=timezone.now() + dt.timedelta(hours=due_in_hours),
    )
