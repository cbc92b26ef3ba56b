"""Closure and role-request notifications reach the right people and nobody else, and never carry a name."""

from __future__ import annotations

from typing import Any

from amahoro.accounts import services as accounts
from amahoro.accounts.models import RoleAssignment
from amahoro.cases import services as cases
from amahoro.geo.models import OrgUnit
from amahoro.notifications.models import Notification

from .conftest import rape_case


def received(event: str) -> dict[str, Notification]:
    return {
        n.recipient.username: n for n in Notification.objects.filter(event=event).select_related("recipient")
    }


def test_closure_request_reaches_the_case_supervisors_only(wc: Any) -> None:
    incident = rape_case(wc.worker)
    cases.incident_closure_request(actor=wc.worker, incident=incident, reason="done")
    got = received("case.closure_requested")
    assert set(got) == {"supervisor"}  # not the NGO's supervisor, not the worker
    n = got["supervisor"]
    assert n.link == f"/cases/{incident.uuid}/"
    assert incident.survivor.code in n.title
    assert "Fictitia" not in n.title + n.body
    assert n.object_id == str(incident.uuid)


def test_closure_returned_and_approved_reach_the_worker(wc: Any) -> None:
    incident = rape_case(wc.worker)
    cases.incident_closure_request(actor=wc.worker, incident=incident, reason="done")
    cases.incident_closure_decide(actor=wc.supervisor, incident=incident, approve=False)
    assert set(received("case.closure_returned")) == {"worker"}
    cases.incident_closure_request(actor=wc.worker, incident=incident, reason="done again")
    cases.incident_closure_decide(actor=wc.supervisor, incident=incident, approve=True)
    assert set(received("case.closure_approved")) == {"worker"}
    assert Notification.objects.filter(event="case.closure_requested", recipient=wc.supervisor).count() == 2


def test_a_supervisor_of_the_district_above_is_told_one_of_another_district_is_not(wc: Any) -> None:
    from conftest import make_user

    make_user("province_supervisor", ("case_supervisor", wc.osc, "1"))  # Kigali City, above Gasabo
    make_user("south_supervisor", ("case_supervisor", wc.osc, "2"))
    incident = rape_case(wc.worker)
    cases.incident_closure_request(actor=wc.worker, incident=incident, reason="done")
    assert set(received("case.closure_requested")) == {"supervisor", "province_supervisor"}


def test_role_request_reaches_the_organisation_admins_and_the_decision_the_requester(wc: Any) -> None:
    gasabo = OrgUnit.objects.get(code="12")
    request = accounts.role_request_create(
        actor=wc.nobody, organisation=wc.osc, role="case_worker", org_unit=gasabo, reason="I work there"
    )
    got = received("role.requested")
    assert set(got) == {"osc_admin"}  # not the NGO's administrator
    assert "nobody" in got["osc_admin"].title and got["osc_admin"].link == "/users/role-requests/"
    accounts.role_request_decide(actor=wc.osc_admin, request=request, approve=True)
    decided = received("role.decided")
    assert set(decided) == {"nobody"}
    assert "approved" in decided["nobody"].title
    assert RoleAssignment.objects.filter(user=wc.nobody, organisation=wc.osc, role="case_worker").exists()


def test_the_decision_is_worded_in_the_requester_language(wc: Any) -> None:
    wc.nobody.language = "fr"
    wc.nobody.save()
    request = accounts.role_request_create(actor=wc.nobody, organisation=wc.osc, role="viewer", org_unit=None)
    accounts.role_request_decide(actor=wc.osc_admin, request=request, approve=False)
    n = received("role.decided")["nobody"]
    assert n.title  # rendered (French if translated, English otherwise), never a template with %(...)s
    assert "%(" not in n.title + n.body
