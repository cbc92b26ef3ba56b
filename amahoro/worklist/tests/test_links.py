"""Every worklist item of every role leads to a page where its action can be taken: each role's worklist is
built, and each item's link is followed with the test client as that user (200 and the control to act)."""

from __future__ import annotations

from typing import Any

from amahoro.accounts import services as accounts
from amahoro.cases import services as cases
from amahoro.data import services as data
from amahoro.data.models import DataSet
from amahoro.data.tests.factories import make_meta
from amahoro.geo.models import OrgUnit
from amahoro.worklist import selectors
from conftest import client_for

from .conftest import rape_case, referral
from .links import assert_item_actionable


def test_every_item_of_every_role_opens_a_page_with_its_action(wc: Any) -> None:
    meta = make_meta()
    monthly = DataSet.objects.create(
        code="MONTHLY", name="Monthly report", period_type="Monthly", organisation=wc.ngo
    )
    monthly.data_elements.set([meta.total])
    monthly.org_units.set(OrgUnit.objects.filter(code="12"))
    # Case worker: PEP and EC countdowns, a referral awaiting a reply, a closure sent back.
    rape = rape_case(wc.worker)
    referral(rape, wc.police)
    other = {"classification": {"physical_assault": True}}
    late = rape_case(wc.worker, **other)
    referral(late, wc.police, due_in_hours=-2)  # the supervisor's overdue referral
    returned = rape_case(wc.worker, **other)
    cases.incident_closure_request(actor=wc.worker, incident=returned, reason="done")
    cases.incident_closure_decide(actor=wc.supervisor, incident=returned, approve=False)
    asked = rape_case(wc.worker, **other)
    cases.incident_closure_request(actor=wc.worker, incident=asked, reason="done")
    # M&E officer: data submitted for approval, by organisation (NGO1's attribute) and shared.
    period = data.period_ensure(code="202601")
    unit = OrgUnit.objects.get(code="12")
    data.approval_submit(actor=wc.clerk, org_unit=unit, period=period, attribute_option_combo=meta.aoc_ngo)
    data.approval_submit(actor=wc.clerk, org_unit=unit, period=period)
    # Organisation administrator: a role request.
    accounts.role_request_create(actor=wc.nobody, organisation=wc.osc, role="viewer", org_unit=None)

    expected = {
        wc.worker: {"pep", "ec", "referral_waiting", "closure_returned"},
        wc.supervisor: {"closure_to_approve", "referral_overdue"},
        wc.police_staff: {"referral_incoming"},
        wc.me_gasabo: {"approval", "report_due", "report_late"},
        wc.clerk: {"report_due", "report_late"},
        wc.osc_admin: {"role_request"},
    }
    followed: list[str] = []
    for user, kinds in expected.items():
        items = [i for s in selectors.worklist(user=user) for i in s.items]
        got = {i.kind for i in items}
        # Reports are due or late depending on today's date: at least one of the two.
        assert kinds - {"report_due", "report_late"} <= got, (user.username, got)
        if "report_due" in kinds:
            assert got & {"report_due", "report_late"}, (user.username, got)
        client = client_for(user)
        for item in items:
            html = assert_item_actionable(client, item)
            if item.kind == "referral_incoming":  # the receiver sees the code, never the name
                assert rape.survivor.code in html and "Fictitia" not in html
            followed.append(item.kind)
    assert len(followed) >= 12
