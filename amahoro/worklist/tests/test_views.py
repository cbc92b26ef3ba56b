"""My work over HTTP: the page for each role with its counts, the count in the menu, and My work first on
the home page; anonymous visitors go to sign in."""

from __future__ import annotations

from typing import Any

from amahoro.accounts import services as accounts
from amahoro.cases import services as cases
from conftest import assert_login_redirect, assert_page_ok, client_for

from .conftest import rape_case, referral


def test_anonymous_is_sent_to_sign_in(client: Any) -> None:
    assert_login_redirect(client.get("/my-work/"))
    assert_login_redirect(client.get("/my-work/count/"))


def test_case_worker_page_lists_the_countdowns_and_counts_them(wc: Any) -> None:
    incident = rape_case(wc.worker)
    html = assert_page_ok(client_for(wc.worker).get("/my-work/"))
    assert 'id="work-total" data-count="2"' in html
    assert 'data-section="case_worker"' in html
    assert f'href="/cases/{incident.uuid}/"' in html
    assert 'data-kind="pep" data-state="open"' in html
    assert "Fictitia" not in html
    # The same role elsewhere sees no item of it.
    other = assert_page_ok(client_for(wc.ngo_worker).get("/my-work/"))
    assert 'id="work-total" data-count="0"' in other and str(incident.uuid) not in other


def test_supervisor_page_lists_the_closure_to_approve(wc: Any) -> None:
    incident = rape_case(wc.worker, classification={"physical_assault": True})
    cases.incident_closure_request(actor=wc.worker, incident=incident, reason="done")
    html = assert_page_ok(client_for(wc.supervisor).get("/my-work/"))
    assert 'data-kind="closure_to_approve"' in html and f"/cases/{incident.uuid}/" in html
    assert "closure_to_approve" not in client_for(wc.ngo_supervisor).get("/my-work/").content.decode()


def test_provider_page_links_to_the_referral_inbox(wc: Any) -> None:
    incident = rape_case(wc.worker, classification={"physical_assault": True})
    referral(incident, wc.police)
    html = assert_page_ok(client_for(wc.police_staff).get("/my-work/"))
    assert 'data-kind="referral_incoming"' in html and 'href="/cases/referrals/incoming/"' in html
    assert "referral_incoming" not in client_for(wc.ngo_staff).get("/my-work/").content.decode()


def test_org_admin_page_lists_role_requests(wc: Any) -> None:
    accounts.role_request_create(actor=wc.nobody, organisation=wc.osc, role="viewer", org_unit=None)
    html = assert_page_ok(client_for(wc.osc_admin).get("/my-work/"))
    assert 'data-kind="role_request"' in html and "nobody" in html
    assert "role_request" not in client_for(wc.ngo_admin).get("/my-work/").content.decode()


def test_a_role_without_a_worklist_is_told_so(wc: Any) -> None:
    html = assert_page_ok(client_for(wc.viewer).get("/my-work/"))
    assert 'id="work-none"' in html


def test_the_menu_count(wc: Any) -> None:
    rape_case(wc.worker)
    c = client_for(wc.worker)
    assert 'data-count="2"' in c.get("/my-work/count/").content.decode()
    assert client_for(wc.ngo_worker).get("/my-work/count/").content.decode().strip() == ""
    html = assert_page_ok(c.get("/cases/"))
    assert 'id="nav-my-work"' in html and 'hx-get="/my-work/count/"' in html


def test_home_shows_my_work_first(wc: Any) -> None:
    rape_case(wc.worker)
    html = assert_page_ok(client_for(wc.worker).get("/"))
    assert 'id="my-work"' in html
    assert html.index('id="my-work"') < html.index('id="my-roles"')
    assert 'data-kind="pep"' in html
    # A role without a worklist gets the usual home page.
    assert 'id="my-work"' not in client_for(wc.viewer).get("/").content.decode()


def test_the_case_page_says_the_closure_was_sent_back(wc: Any) -> None:
    incident = rape_case(wc.worker, classification={"physical_assault": True})
    cases.incident_closure_request(actor=wc.worker, incident=incident, reason="done")
    cases.incident_closure_decide(actor=wc.supervisor, incident=incident, approve=False)
    html = assert_page_ok(client_for(wc.worker).get(f"/cases/{incident.uuid}/"))
    assert 'id="closure-returned"' in html
