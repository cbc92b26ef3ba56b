"""Each section of My work: what it lists for its role, and that the same role in another organisation or
district sees nothing of it; a bounded number of queries however many items."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from amahoro.accounts import services as accounts
from amahoro.cases import deadlines
from amahoro.cases import services as cases
from amahoro.cases.models import Incident, Service
from amahoro.data import completeness
from amahoro.data import services as data
from amahoro.geo.models import OrgUnit
from amahoro.worklist import selectors
from amahoro.worklist.selectors import INCOMING_REFERRALS

from .conftest import rape_case, referral


def items(user: Any, section: str, *, now: dt.datetime | None = None) -> list[Any]:
    for s in selectors.worklist(user=user, now=now):
        if s.code == section:
            return s.items
    return []


def codes(user: Any) -> list[str]:
    return [s.code for s in selectors.worklist(user=user)]


def test_sections_follow_the_roles(wc: Any) -> None:
    assert codes(wc.worker) == ["case_worker"]
    assert codes(wc.supervisor) == ["case_worker", "case_supervisor"]
    assert codes(wc.police_staff) == ["service_provider"]
    assert codes(wc.me_gasabo) == ["data"]
    assert codes(wc.clerk) == ["data"]
    assert codes(wc.osc_admin) == ["org_admin"]
    assert codes(wc.viewer) == [] and codes(wc.nobody) == []


# ---------------------------------------------------------------------------------------------------------
# Case workers


def test_worker_sees_pep_and_ec_countdowns_of_a_recent_rape_with_links_to_the_case(wc: Any) -> None:
    incident = rape_case(wc.worker, hours_ago=2)
    got = items(wc.worker, "case_worker")
    assert [i.kind for i in got] == ["pep", "ec"]
    pep = got[0]
    assert pep.link == f"/cases/{incident.uuid}/"
    assert incident.survivor.code in pep.title and "left" in pep.title
    assert pep.state == "open" and pep.is_deadline
    assert pep.due == deadlines.for_incident(incident)[0].deadline
    assert "Fictitia" not in " ".join(i.title for i in got)


def test_countdowns_are_only_for_the_case_own_worker_and_organisation(wc: Any) -> None:
    rape_case(wc.worker)
    assert items(wc.worker_nyarugenge, "case_worker") == []  # same organisation, other district
    assert items(wc.ngo_worker, "case_worker") == []  # same place, other organisation
    assert items(wc.supervisor, "case_worker") == []  # not their case


def test_a_recorded_pep_removes_the_pep_item_and_keeps_ec(wc: Any) -> None:
    incident = rape_case(wc.worker)
    cases.service_record(
        actor=wc.worker,
        incident=incident,
        type="health",
        status="provided",
        pep_given_on=timezone.localdate(),
    )
    assert [i.kind for i in items(wc.worker, "case_worker")] == ["ec"]


def test_a_passed_window_stays_a_day_then_leaves(wc: Any) -> None:
    rape_case(wc.worker, hours_ago=80)  # PEP passed 8 h ago; EC open 40 h more
    got = items(wc.worker, "case_worker")
    assert [(i.kind, i.state) for i in got] == [("pep", "passed"), ("ec", "open")]
    later = timezone.now() + dt.timedelta(hours=17)  # PEP passed 25 h ago
    assert [i.kind for i in items(wc.worker, "case_worker", now=later)] == ["ec"]


def test_no_countdown_for_a_non_sexual_incident_or_a_closed_case(wc: Any) -> None:
    rape_case(wc.worker, classification={"physical_assault": True})
    assert items(wc.worker, "case_worker") == []
    incident = rape_case(wc.worker)
    Incident.objects.filter(pk=incident.pk).update(status="closed")
    assert items(wc.worker, "case_worker") == []


def test_worker_sees_their_referrals_awaiting_a_reply(wc: Any) -> None:
    incident = rape_case(wc.worker, classification={"physical_assault": True})
    service = referral(incident, wc.police)
    got = items(wc.worker, "case_worker")
    assert [i.kind for i in got] == ["referral_waiting"]
    assert got[0].link == f"/cases/{incident.uuid}/" and got[0].due == service.reply_due_at
    assert items(wc.ngo_worker, "case_worker") == []
    Service.objects.filter(pk=service.pk).update(referral_status="accepted")
    assert items(wc.worker, "case_worker") == []


def test_closure_sent_back_shows_until_the_worker_asks_again(wc: Any) -> None:
    incident = rape_case(wc.worker, classification={"physical_assault": True})
    cases.incident_closure_request(actor=wc.worker, incident=incident, reason="done")
    assert items(wc.worker, "case_worker") == []
    cases.incident_closure_decide(actor=wc.supervisor, incident=incident, approve=False)
    incident.refresh_from_db()
    assert incident.closure_returned_at is not None
    got = items(wc.worker, "case_worker")
    assert [i.kind for i in got] == ["closure_returned"]
    assert items(wc.ngo_worker, "case_worker") == [] and items(wc.worker_nyarugenge, "case_worker") == []
    cases.incident_closure_request(actor=wc.worker, incident=incident, reason="done now")
    incident.refresh_from_db()
    assert incident.closure_returned_at is None
    assert items(wc.worker, "case_worker") == []


# ---------------------------------------------------------------------------------------------------------
# Supervisors


def test_supervisor_sees_closures_to_approve_of_their_organisation_only(wc: Any) -> None:
    incident = rape_case(wc.worker, classification={"physical_assault": True})
    cases.incident_closure_request(actor=wc.worker, incident=incident, reason="done")
    got = items(wc.supervisor, "case_supervisor")
    assert [i.kind for i in got] == ["closure_to_approve"]
    assert got[0].link == f"/cases/{incident.uuid}/"
    assert items(wc.ngo_supervisor, "case_supervisor") == []
    cases.incident_closure_decide(actor=wc.supervisor, incident=incident, approve=True)
    assert items(wc.supervisor, "case_supervisor") == []


def test_supervisor_sees_overdue_referrals_not_those_still_in_time(wc: Any) -> None:
    incident = rape_case(wc.worker, classification={"physical_assault": True})
    referral(incident, wc.police, due_in_hours=5)
    late = referral(incident, wc.police, due_in_hours=-1)
    got = items(wc.supervisor, "case_supervisor")
    assert [(i.kind, i.object_id) for i in got] == [("referral_overdue", str(late.uuid))]
    assert items(wc.ngo_supervisor, "case_supervisor") == []
    # The receiving organisation's staff never get the referring side's supervision list.
    assert items(wc.police_staff, "case_supervisor") == []


# ---------------------------------------------------------------------------------------------------------
# Service providers


def test_provider_staff_see_referrals_to_their_organisation_linking_to_the_inbox(wc: Any) -> None:
    incident = rape_case(wc.worker, classification={"physical_assault": True})
    service = referral(incident, wc.police)
    got = items(wc.police_staff, "service_provider")
    assert [(i.kind, i.object_id, i.link) for i in got] == [
        ("referral_incoming", str(service.uuid), INCOMING_REFERRALS)
    ]
    assert incident.survivor.code in got[0].title and "Fictitia" not in got[0].title
    assert items(wc.ngo_staff, "service_provider") == []  # a third organisation sees nothing
    Service.objects.filter(pk=service.pk).update(referral_status="declined")
    assert items(wc.police_staff, "service_provider") == []


# ---------------------------------------------------------------------------------------------------------
# M&E officers and clerks


@pytest.fixture
def submitted(wc: Any) -> Any:
    period = data.period_ensure(code="202601")
    return data.approval_submit(actor=wc.clerk, org_unit=OrgUnit.objects.get(code="12"), period=period)


def test_me_officer_sees_data_submitted_for_approval_in_their_district(wc: Any, submitted: Any) -> None:
    got = items(wc.me_gasabo, "data")
    assert [i.kind for i in got] == ["approval"]
    assert got[0].link == f"/data/approvals/#approval-{submitted.pk}"
    assert "January 2026" in str(got[0].title)
    assert items(wc.me_nyarugenge, "data") == []  # other district
    assert items(wc.clerk, "data") == []  # clerks enter, they do not approve


def test_data_sets_due_or_late_come_from_completeness(wc: Any, monkeypatch: Any) -> None:
    calls: list[Any] = []

    def due_for(*, user: Any, today: Any = None) -> list[completeness.DueReport]:
        calls.append((user, today))
        return [
            completeness.DueReport(
                "DS1", "Dialogue groups", "12", "Gasabo", "202601", dt.date(2026, 2, 10), "late", "/data/x/"
            )
        ]

    monkeypatch.setattr(completeness, "due_for", due_for)
    got = items(wc.clerk, "data")
    assert [(i.kind, i.state, i.link) for i in got] == [("report_late", "late", "/data/x/")]
    assert "Dialogue groups for Gasabo, January 2026 is late" in str(got[0].title)
    assert calls and calls[0][0] == wc.clerk
    assert items(wc.worker, "data") == [] and "data" not in codes(wc.worker)


# ---------------------------------------------------------------------------------------------------------
# Organisation administrators


def test_org_admin_sees_role_requests_to_their_organisation_only(wc: Any) -> None:
    request = accounts.role_request_create(
        actor=wc.nobody, organisation=wc.osc, role="case_worker", org_unit=OrgUnit.objects.get(code="12")
    )
    got = items(wc.osc_admin, "org_admin")
    assert [(i.kind, i.object_id) for i in got] == [("role_request", str(request.uuid))]
    assert got[0].link == f"/users/role-requests/#request-{request.uuid}"
    assert items(wc.ngo_admin, "org_admin") == []


# ---------------------------------------------------------------------------------------------------------
# Bounded queries


def _queries_for(user: Any, django_assert_max_num_queries: Any, limit: int) -> None:
    from amahoro import policy

    policy.forget(user)
    with django_assert_max_num_queries(limit):
        selectors.worklist(user=user)


def test_the_worker_list_is_a_bounded_number_of_queries(wc: Any, django_assert_max_num_queries: Any) -> None:
    for n in range(12):
        incident = rape_case(wc.worker, hours_ago=1 + n)
        referral(incident, wc.police)
        if n % 3 == 0:
            cases.service_record(
                actor=wc.worker,
                incident=incident,
                type="health",
                status="provided",
                pep_given_on=timezone.localdate(),
            )
    assert len(items(wc.worker, "case_worker")) > 20
    _queries_for(wc.worker, django_assert_max_num_queries, 8)
    _queries_for(wc.supervisor, django_assert_max_num_queries, 10)
    _queries_for(wc.police_staff, django_assert_max_num_queries, 4)
