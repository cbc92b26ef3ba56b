"""Data approval reaches its approvers: a submission notifies the M&E officers whose place covers it (the
people whose worklist lists it) and nobody else; the link opens the approvals page with the Approve button;
approving there tells who submitted."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from amahoro.data import services as data
from amahoro.data.approvals import approvers_of
from amahoro.data.models import ApprovalState, DataApproval, DataSet
from amahoro.data.tests.factories import make_meta
from amahoro.geo.models import OrgUnit
from amahoro.notifications.models import Notification
from amahoro.notifications.testing import recipients_of
from amahoro.worklist import selectors
from conftest import assert_login_redirect, assert_page_ok, client_for, make_user

WAITING = "data.approval_waiting"


def submit(actor: Any, *, place: str = "12", period: str = "202601", aoc: Any = None) -> DataApproval:
    return data.approval_submit(
        actor=actor,
        org_unit=OrgUnit.objects.get(code=place),
        period=data.period_ensure(code=period),
        attribute_option_combo=aoc,
    )


def approval_items(user: Any) -> list[Any]:
    return [
        i for s in selectors.worklist(user=user) if s.code == "data" for i in s.items if i.kind == "approval"
    ]


def test_a_submission_tells_the_approvers_of_its_district_and_nobody_else(wc: Any) -> None:
    approval = submit(wc.clerk)
    got = recipients_of(WAITING, approval)
    assert set(got) == {"me_gasabo"}  # not me_nyarugenge (other district), not the clerk, not the admins
    assert got["me_gasabo"] == {"in_app", "email"}
    note = Notification.objects.get(event=WAITING, recipient=wc.me_gasabo)
    place = OrgUnit.objects.get(code="12").name
    assert note.title == f"Data to approve: {place}, January 2026"
    assert "202601" not in note.title + note.body
    assert note.link == f"/data/approvals/#approval-{approval.pk}"
    # The people told are the people whose worklist lists it.
    for user in (wc.me_gasabo, wc.me_nyarugenge, wc.clerk, wc.ngo_admin, wc.worker):
        assert bool(approval_items(user)) == (user.username in got), user.username


def test_the_notification_link_opens_the_approvals_page_with_the_approve_button(wc: Any) -> None:
    approval = submit(wc.clerk)
    note = Notification.objects.get(event=WAITING, recipient=wc.me_gasabo)
    client = client_for(wc.me_gasabo)
    html = assert_page_ok(client.get(note.link))
    assert f'id="approval-{approval.pk}"' in html
    assert 'name="action" value="approve"' in html and "January 2026" in html
    # The button approves, comes back to the page, and tells the clerk who submitted.
    response = client.post(
        "/data/entry/approval/approve/",
        {"org_unit": "12", "period": "202601", "attribute_option_combo": "", "return_to": "approvals"},
    )
    assert response.status_code == 302 and response.url == "/data/approvals/"
    approval.refresh_from_db()
    assert approval.state == ApprovalState.APPROVED
    assert set(recipients_of("data.approval_approved", approval)) == {"clerk"}
    assert 'id="no-approvals"' in assert_page_ok(client.get("/data/approvals/"))


def test_the_approvals_page_is_scoped_and_only_for_approvers(wc: Any) -> None:
    approval = submit(wc.clerk)
    other = assert_page_ok(client_for(wc.me_nyarugenge).get("/data/approvals/"))
    assert f"approval-{approval.pk}" not in other and 'id="no-approvals"' in other
    assert client_for(wc.clerk).get("/data/approvals/").status_code == 403
    assert_login_redirect(Client().get("/data/approvals/"))


def test_an_organisations_submission_links_its_data_sets_with_the_attribute(wc: Any) -> None:
    meta = make_meta()
    ds = DataSet.objects.create(
        code="MONTHLY", name="Monthly report", period_type="Monthly", organisation=wc.ngo
    )
    ds.data_elements.set([meta.total])
    ds.org_units.set(OrgUnit.objects.filter(code="12"))
    approval = submit(wc.clerk, aoc=meta.aoc_ngo)
    assert approval.organisation_id == wc.ngo.pk
    assert set(recipients_of(WAITING, approval)) == {"me_gasabo"}
    html = assert_page_ok(client_for(wc.me_gasabo).get(approval_items(wc.me_gasabo)[0].link))
    review = "/data/entry/?org_unit=12&amp;period=202601&amp;data_set=MONTHLY&amp;attribute_option_combo=NGO1"
    assert review in html and 'name="attribute_option_combo" value="NGO1"' in html
    entry = assert_page_ok(client_for(wc.me_gasabo).get(review.replace("&amp;", "&")))
    assert 'value="approve"' in entry


def test_submitting_again_tells_nobody_again_and_the_submitter_is_not_told(wc: Any) -> None:
    approver_clerk = make_user("both", ("me_officer", wc.ngo, "12"))
    approval = submit(approver_clerk)
    assert set(recipients_of(WAITING, approval)) == {"me_gasabo"}  # not "both", who submitted
    submit(wc.clerk)
    assert Notification.objects.filter(event=WAITING).count() == 1
    assert [u.username for u in approvers_of(approval)] == ["both", "me_gasabo"]


@pytest.mark.parametrize("place", ["11"])
def test_a_submission_elsewhere_tells_that_districts_approver(wc: Any, place: str) -> None:
    approval = submit(make_user("clerk11", ("data_clerk", wc.ngo, "11")), place=place)
    assert set(recipients_of(WAITING, approval)) == {"me_nyarugenge"}
