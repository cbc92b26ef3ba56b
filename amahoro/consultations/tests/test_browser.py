"""A consultation round end to end in a real browser: a CSO rates an outcome, the responsible agency
responds, the convener approves and publishes, and the published summary shows the official status and
the civil-society assessment side by side. Run with `pytest -m browser`."""

from __future__ import annotations

from typing import Any

import pytest

from amahoro.tests.browser.conftest import browser, console, page, rwanda_slice, screenshot_dir
from conftest import PASSWORD, make_org, make_user

__all__ = ["browser", "console", "page", "rwanda_slice", "screenshot_dir"]

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def consultation(rwanda_slice: dict[str, int]) -> Any:
    from django.core.cache import cache

    from amahoro.consultations import services
    from amahoro.frameworks.models import Framework, Node
    from amahoro.frameworks.reference import load_nap_rw_2018

    cache.clear()
    load_nap_rw_2018()
    nap = Framework.objects.get(code="RW-NAP1325-2018")
    ministry = make_org("MINISTRY", "ministry", areas=("RW",))
    cso = make_org("CSO1", "cso", areas=("RW",))
    police = make_org("POLICE", "police", areas=("RW",))
    Node.objects.get(framework=nap, code="P1.O2").responsible.set([police])
    convener = make_user("convener", ("me_officer", ministry, "RW"))
    make_user("cso_me", ("me_officer", cso, "RW"))
    make_user("police_me", ("me_officer", police, "RW"))
    return services.round_create(
        actor=convener, framework=nap, organisation=ministry, title="NAP review 2022", period="2022"
    )


def sign_in(page: Any, live_server: Any, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def test_round_end_to_end(page, live_server, consultation, console, screenshot_dir) -> None:
    detail = f"{live_server.url}/consultations/{consultation.uuid}/"
    # 1. The CSO rates outcome P1.O2.
    sign_in(page, live_server, "cso_me")
    page.goto(f"{live_server.url}/consultations/")
    page.click("#round-list a:has-text('NAP review 2022')")
    page.wait_for_url(detail)
    section = page.locator("#outcome-P1\\.O2")
    section.locator("details.rate summary").click()
    section.locator("select[name=rating]").select_option("2")
    section.locator("textarea[name=evidence]").fill("Only a few women hold command posts in the police.")
    section.locator("form.rate-form button[type=submit]").click()
    page.wait_for_load_state()
    assert "sent for moderation" in page.locator("ul.messages").inner_text()
    assert section.locator("article.assessment").get_attribute("data-moderation") == "pending"

    # 2. The responsible agency responds.
    sign_in(page, live_server, "police_me")
    page.goto(detail)
    section.locator("form.respond-form textarea").fill(
        "A mentoring programme for women officers started in 2024."
    )
    section.locator("form.respond-form button[type=submit]").click()
    page.wait_for_load_state()
    assert "mentoring programme" in section.locator("blockquote.response").inner_text()

    # 3. The convener approves and publishes.
    sign_in(page, live_server, "convener")
    page.goto(detail)
    section.locator("form.moderate-form button[value=approved]").click()
    page.wait_for_load_state()
    assert section.locator("article.assessment").get_attribute("data-moderation") == "approved"
    page.click("#publish-button")
    page.wait_for_load_state()
    assert page.locator("#published-tag").is_visible()

    # 4. The published summary shows the official status and the CSO assessment side by side.
    page.click("#summary-link")
    row = page.locator("#consultation-summary tr[data-outcome='P1.O2']")
    assert row.get_attribute("data-official") in ("no_data", "no_target", "on_track", "at_risk", "off_track")
    assert "Limited progress" in row.inner_text()
    assert "mentoring programme" in row.inner_text()
    # 5. Signed out, the public portal shows the same summary.
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/public/")
    page.click("#consultations a:has-text('NAP review 2022')")
    page.wait_for_url(f"{live_server.url}/public/consultations/{consultation.uuid}/")
    public_row = page.locator("#consultation-summary tr[data-outcome='P1.O2']")
    assert "Limited progress" in public_row.inner_text() and "mentoring programme" in public_row.inner_text()
    assert "CSO1 organisation" in public_row.inner_text()  # named: it did not ask for anonymity
    if screenshot_dir is not None:
        page.screenshot(path=str(screenshot_dir / "consultation-summary.png"), full_page=True)
    assert console.errors == []
