"""Forms and submissions in a real browser: upload an XLSForm, a scripted ODK Collect-like client submits
over OpenRosa, the submission shows in the table, and a reviewer approves it."""

from __future__ import annotations

from typing import Any

import pytest

from amahoro.tests.browser.conftest import browser, console, page, rwanda_slice, screenshot_dir
from conftest import PASSWORD, make_org, make_user

from .factories import dialogue_form, instance_xml
from .openrosa_client import OpenRosaClient

__all__ = ["browser", "console", "page", "rwanda_slice", "screenshot_dir"]

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page: Any, live_server: Any, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def test_upload_a_form_then_see_and_review_a_submission(
    page, live_server, rwanda_slice, console, screenshot_dir
) -> None:
    ngo = make_org("NGO1", "ngo", areas=("11",))
    make_user("me_nyarugenge", ("me_officer", ngo, "11"))
    make_user("clerk_sector", ("data_clerk", ngo, "1101"))
    sign_in(page, live_server, "me_nyarugenge")
    page.click("nav a:has-text('Forms')")
    page.wait_for_url(f"{live_server.url}/collection/")
    page.set_input_files(
        "#upload-form input[name=xlsform]",
        files=[{"name": "dialogue.xlsx", "mimeType": "application/octet-stream", "buffer": dialogue_form()}],
    )
    page.click("#upload-form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/collection/forms/dialogue/")
    assert "Community dialogue session" in page.locator("h1").inner_text()
    assert "No submissions match." in page.locator("#submissions").inner_text()

    client = OpenRosaClient(f"{live_server.url}/openrosa", "clerk_sector", PASSWORD)
    assert b"<formID>dialogue</formID>" in client.form_list().body
    head = client.head()
    assert head.status == 204 and int(head.headers["x-openrosa-accept-content-length"]) > 0
    xml = instance_xml(instance_id="uuid:browser-1", men=13, women=17)
    assert client.submit(xml, {"photo.jpg": b"\xff\xd8demo"}).status == 201
    assert client.submit(xml, {"photo.jpg": b"\xff\xd8demo"}).status == 202  # a retry is stored once
    client.close()

    page.reload()
    table = page.locator("#submissions")
    assert table.locator("tbody tr").count() == 1
    row = table.locator("tbody tr").first
    assert "13" in row.inner_text() and "Received" in row.inner_text()
    if screenshot_dir:
        page.screenshot(path=str(screenshot_dir / "collection-submissions.png"), full_page=True)
    row.locator("a").first.click()
    page.wait_for_url(f"{live_server.url}/collection/forms/dialogue/submissions/uuid:browser-1/")
    assert "photo.jpg" in page.locator("body").inner_text()
    page.select_option("#review-form select[name=review_state]", "approved")
    page.click("#review-form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/collection/forms/dialogue/submissions/uuid:browser-1/")
    assert page.locator("#review-state").inner_text() == "Approved"
    page.goto(f"{live_server.url}/collection/forms/dialogue/?review_state=approved")
    assert page.locator("#submissions tbody tr").count() == 1
    assert console.errors == []
