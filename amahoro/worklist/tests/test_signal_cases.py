"""A GBV signal opens a GBV case only through a case worker of its responder organisation over its place
(issue 16 item 2): the case module's intake with consent, nothing of the signal copied but its place, and
the signal keeping only the link ("case opened"). Refusals: 404 for someone who neither sees the signal nor
records cases there, 403 for someone who sees it but may not record cases for its organisation there, 409
for a signal that is not GBV or already has its case."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest

from amahoro import policy
from amahoro.audit.models import AuditEvent
from amahoro.cases.models import Consent, Incident
from amahoro.cases.tests.conftest import payload
from amahoro.warning.models import Signal, SignalType, Transition
from amahoro.warning.services import signal_create, signal_transition
from conftest import client_for, make_org, make_user

DESCRIPTION = "Neighbour Mnbvcxzq Zakiyaname beats his wife every night near the Zxcvbn market"


@dataclass
class Cast:
    osc: Any
    ngo: Any
    worker: Any  # case_worker of OSC over district 11 (the signal's district): may open the case
    responder_worker: Any  # ewer_responder + case_worker of OSC over 11: sees the signal page and opens it
    worker_gasabo: Any  # case_worker of OSC over district 12: another district
    ngo_worker: Any  # case_worker of NGO over 11: another organisation
    ngo_worker_focal: (
        Any  # case_worker of NGO + ewer_focal_point over 11: sees the signal, other organisation
    )
    focal: Any  # ewer_focal_point of NGO over 11: sees the signal, no case intake
    responder: Any  # ewer_responder of OSC over 11: sees the signal, no case intake
    nobody: Any


@pytest.fixture
def cast(db: Any) -> Cast:
    osc = make_org("OSC1", "osc", areas=("11", "12"))
    ngo = make_org("NGO1", "ngo", areas=("11", "12"))
    SignalType.objects.create(code="gbv", name="GBV incident or threat", is_gbv=True, default_urgency="high")
    SignalType.objects.create(code="early_marriage", name="Early marriage", is_gbv=True)
    SignalType.objects.create(code="land_dispute", name="Land dispute")
    return Cast(
        osc=osc,
        ngo=ngo,
        worker=make_user("worker", ("case_worker", osc, "11")),
        responder_worker=make_user(
            "responder_worker", ("case_worker", osc, "11"), ("ewer_responder", osc, "11")
        ),
        worker_gasabo=make_user("worker_gasabo", ("case_worker", osc, "12")),
        ngo_worker=make_user("ngo_worker", ("case_worker", ngo, "11")),
        ngo_worker_focal=make_user(
            "ngo_worker_focal", ("case_worker", ngo, "11"), ("ewer_focal_point", ngo, "11")
        ),
        focal=make_user("focal", ("ewer_focal_point", ngo, "11")),
        responder=make_user("responder", ("ewer_responder", osc, "11")),
        nobody=make_user("nobody"),
    )


def signal(cast: Cast, type: str = "gbv", assign: bool = True) -> Signal:
    s, _ = signal_create(
        actor=policy.SYSTEM,
        type=type,
        org_unit="1101",
        occurred_on=date.today() - timedelta(days=1),
        description=DESCRIPTION,
        reporter={"name": "Reporter Asdfghname", "phone": "+250 788 000 111"},
        source="web",
    )
    if assign:
        s = signal_transition(actor=cast.focal, signal=s, to="assigned", assign_to="OSC1")
    return s


def body(**overrides: Any) -> dict[str, Any]:
    data = payload(**overrides)
    data.pop("org_unit")  # the signal's place
    return data


def post(user: Any, s: Signal, data: dict[str, Any] | None = None) -> Any:
    return client_for(user).post(
        f"/api/v1/ewer/signals/{s.uuid}/case",
        data if data is not None else body(),
        content_type="application/json",
    )


def test_a_case_worker_of_the_responder_opens_the_case_with_consent_and_the_signal_keeps_the_link(
    cast: Cast,
) -> None:
    s = signal(cast)
    r = post(cast.worker, s)
    assert r.status_code == 201, r.content
    out = r.json()
    incident = Incident.objects.get(uuid=out["case"])
    assert out["signal"] == str(s.uuid)
    assert out["case_url"] == f"/cases/{incident.uuid}/"
    assert out["case_api_url"] == f"/api/v1/gbv/incidents/{incident.uuid}"
    # The case: the signal's responder organisation and place, recorded by the case worker.
    assert incident.organisation == cast.osc and incident.org_unit.code == "1101"
    assert incident.created_by == cast.worker
    # Consent recorded in the case module.
    consents = {c.purpose: c.given for c in Consent.objects.filter(incident=incident)}
    assert consents == {"services": True, "reporting": True}
    # Nothing of the signal's description in the case.
    assert DESCRIPTION not in incident.account
    assert "Mnbvcxzq" not in str(incident.survivor.identity) and "Mnbvcxzq" not in incident.account
    # The signal keeps only the link, with a "case opened" entry and an audit row.
    s.refresh_from_db()
    assert s.case_uuid == incident.uuid
    assert s.status == "assigned"
    t = Transition.objects.filter(signal=s).last()
    assert t is not None and t.from_status == t.to_status == "assigned" and t.note == "case opened"
    assert t.by == cast.worker
    audit = (
        AuditEvent.objects.filter(object_type="warning.signal", object_id=str(s.uuid)).order_by("pk").last()
    )
    assert audit is not None and audit.changes["case_opened"] is True
    assert DESCRIPTION not in str(audit.changes) and DESCRIPTION not in audit.message
    # The API says "case opened" only; the case's id is not in the signal's answer.
    detail = client_for(cast.responder).get(f"/api/v1/ewer/signals/{s.uuid}").json()
    assert detail["case_opened"] is True and str(incident.uuid) not in str(detail)


def test_the_place_may_be_given_and_must_be_one_the_worker_records_cases_at(cast: Cast) -> None:
    s = signal(cast)
    r = post(cast.worker, s, {**body(), "org_unit": "1201"})  # Gasabo: not the worker's district
    assert r.status_code == 403, r.content
    assert not Incident.objects.exists()
    s.refresh_from_db()
    assert s.case_uuid is None


@pytest.mark.parametrize("who", ["ngo_worker", "worker_gasabo", "nobody"])
def test_case_workers_of_another_organisation_or_district_find_nothing(cast: Cast, who: str) -> None:
    s = signal(cast)
    r = post(getattr(cast, who), s)
    assert r.status_code == 404, r.content
    assert client_for(getattr(cast, who)).get(f"/warning/{s.uuid}/case/").status_code == 404
    assert not Incident.objects.exists()


@pytest.mark.parametrize("who", ["focal", "responder", "ngo_worker_focal"])
def test_those_who_see_the_signal_without_case_intake_for_its_responder_are_refused(
    cast: Cast, who: str
) -> None:
    s = signal(cast)
    r = post(getattr(cast, who), s)
    assert r.status_code == 403, r.content
    assert "case worker" in str(r.json())
    assert client_for(getattr(cast, who)).get(f"/warning/{s.uuid}/case/").status_code == 403
    assert not Incident.objects.exists()


def test_an_unassigned_signal_cannot_open_a_case(cast: Cast) -> None:
    s = signal(cast, assign=False)
    Signal.objects.filter(pk=s.pk).update(assigned_to=None)
    assert post(cast.focal, s).status_code == 403
    assert post(cast.worker, s).status_code == 404


def test_a_non_gbv_signal_is_refused_with_409(cast: Cast) -> None:
    s = signal(cast, type="land_dispute")
    r = post(cast.worker, s)
    assert r.status_code == 409, r.content
    assert "GBV" in str(r.json())
    page = client_for(cast.worker).get(f"/warning/{s.uuid}/case/")
    assert page.status_code == 409
    assert "Only a GBV signal" in page.content.decode()
    assert not Incident.objects.exists()


def test_a_signal_with_its_case_is_refused_with_409_and_no_second_case_is_stored(cast: Cast) -> None:
    s = signal(cast)
    assert post(cast.worker, s).status_code == 201
    r = post(cast.responder_worker, s)
    assert r.status_code == 409, r.content
    assert "already" in str(r.json())
    assert Incident.objects.count() == 1
    assert client_for(cast.worker).get(f"/warning/{s.uuid}/case/").status_code == 409


def test_the_consent_must_be_recorded(cast: Cast) -> None:
    s = signal(cast)
    data = body()
    data.pop("consent")
    r = post(cast.worker, s, data)
    assert r.status_code == 400, r.content
    assert "consent" in str(r.json())
    assert not Incident.objects.exists()


def test_bad_intake_names_the_field(cast: Cast) -> None:
    s = signal(cast)
    data = body()
    data["survivor"]["age"] = -3
    r = post(cast.worker, s, data)
    assert r.status_code == 400
    assert "survivor" in str(r.json())
    s.refresh_from_db()
    assert s.case_uuid is None


# --- The pages ---------------------------------------------------------------------------------------------


def form_data(**overrides: Any) -> dict[str, Any]:
    today = date.today()
    data = {
        "survivor_sex": "female",
        "survivor_age": "30",
        "survivor_marital_status": "married",
        "survivor_displacement_status": "resident",
        "survivor_nationality": "RW",
        "incident_date": (today - timedelta(days=2)).isoformat(),
        "report_date": today.isoformat(),
        "org_unit": "1101",
        "location_type": "survivor_home",
        "time_of_day": "evening",
        "physical_assault": "on",
        "abduction": "none",
        "consent_services": "on",
        "consent_method": "verbal",
    }
    for i in (1, 2, 3):
        data.update({f"p{i}_sex": "unknown", f"p{i}_age_group": "unknown"})
    data.update(overrides)
    return data


def test_the_signal_page_offers_open_a_case_to_a_case_worker_of_its_responder_only(cast: Cast) -> None:
    s = signal(cast)
    html = client_for(cast.responder_worker).get(f"/warning/{s.uuid}/").content.decode()
    assert f"/warning/{s.uuid}/case/" in html
    for who in (cast.focal, cast.responder):
        assert f"/warning/{s.uuid}/case/" not in client_for(who).get(f"/warning/{s.uuid}/").content.decode()
    land = signal(cast, type="land_dispute")
    assert f"/warning/{land.uuid}/case/" not in (
        client_for(cast.responder_worker).get(f"/warning/{land.uuid}/").content.decode()
    )


def test_the_intake_page_starts_from_the_place_only_and_records_the_case(cast: Cast) -> None:
    s = signal(cast)
    client = client_for(cast.responder_worker)
    page = client.get(f"/warning/{s.uuid}/case/")
    assert page.status_code == 200
    html = page.content.decode()
    assert DESCRIPTION not in html and "Asdfghname" not in html
    assert 'value="1101" selected' in html
    r = client.post(f"/warning/{s.uuid}/case/", form_data())
    assert r.status_code == 302, r.content.decode()[:2000]
    incident = Incident.objects.get()
    assert r["Location"] == f"/cases/{incident.uuid}/"
    assert DESCRIPTION not in incident.account
    assert Consent.objects.filter(incident=incident, purpose="services", given=True).exists()
    s.refresh_from_db()
    assert s.case_uuid == incident.uuid
    # The signal page says "case opened" and links to the case for a case worker of its organisation only.
    html = client.get(f"/warning/{s.uuid}/").content.decode()
    assert "Case opened" in html and f"/cases/{incident.uuid}/" in html
    assert f"/warning/{s.uuid}/case/" not in html
    focal_html = client_for(cast.focal).get(f"/warning/{s.uuid}/").content.decode()
    assert "Case opened" in focal_html and f"/cases/{incident.uuid}/" not in focal_html


def test_the_intake_page_refuses_without_consent_and_keeps_the_values(cast: Cast) -> None:
    s = signal(cast)
    data = form_data()
    data.pop("consent_services")
    data.pop("consent_method")
    r = client_for(cast.worker).post(f"/warning/{s.uuid}/case/", data)
    assert r.status_code == 400
    assert not Incident.objects.exists()


def test_an_early_marriage_signal_hints_the_classification(cast: Cast) -> None:
    s = signal(cast, type="early_marriage")
    html = client_for(cast.worker).get(f"/warning/{s.uuid}/case/").content.decode()
    assert 'name="forced_marriage"' in html
    assert 'value="child_marriage" selected' in html


# --- My work ---------------------------------------------------------------------------------------------------


def test_my_work_offers_the_case_worker_the_gbv_signals_awaiting_a_case(cast: Cast) -> None:
    from amahoro.worklist.selectors import worklist

    s = signal(cast)
    signal(cast, type="land_dispute")  # not GBV
    signal(cast, assign=False)  # not assigned yet

    def items(user: Any) -> list[Any]:
        return [i for sec in worklist(user=user) for i in sec.items if i.kind == "signal_case"]

    mine = items(cast.worker)
    assert [i.object_id for i in mine] == [str(s.uuid)]
    assert mine[0].link == f"/warning/{s.uuid}/case/"
    assert DESCRIPTION not in mine[0].title
    for other in (cast.worker_gasabo, cast.ngo_worker, cast.focal, cast.responder):
        assert items(other) == []
    html = client_for(cast.worker).get("/my-work/").content.decode()
    assert f"/warning/{s.uuid}/case/" in html
    assert post(cast.worker, s).status_code == 201
    assert items(cast.worker) == []
