from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from amahoro.collection import services
from amahoro.collection.models import CollectorToken, Submission, XForm
from conftest import client_for

from .factories import dialogue_form, instance_xml, upload, xlsx

pytestmark = pytest.mark.django_db


def test_forms_page_refusals(cast: Any) -> None:
    assert Client().get("/collection/").status_code == 302
    assert client_for(cast.nobody).get("/collection/").status_code == 403
    assert client_for(cast.viewer_nyarugenge).get("/collection/").status_code == 200


def test_upload_page_stores_a_form_and_shows_pyxform_errors(cast: Any) -> None:
    c = client_for(cast.me_nyarugenge)
    resp = c.post("/collection/", {"xlsform": SimpleUploadedFile("d.xlsx", dialogue_form())})
    assert resp.status_code == 302 and resp["Location"] == "/collection/forms/dialogue/"
    bad = xlsx({"survey": [["type", "name", "label"], ["begin repeat", "r", "R"]]})
    resp = c.post("/collection/", {"xlsform": SimpleUploadedFile("bad.xlsx", bad)})
    assert resp.status_code == 400 and "Unmatched" in resp.content.decode()
    assert XForm.objects.count() == 1
    viewer = client_for(cast.viewer_nyarugenge)
    assert (
        viewer.post("/collection/", {"xlsform": SimpleUploadedFile("d.xlsx", dialogue_form())}).status_code
        == 403
    )


def test_form_page_lists_scoped_submissions_with_filters(
    cast: Any, village: Any, gasabo_village: Any
) -> None:
    form = upload(cast.ngo_admin, cast.ngo)
    services.form_set_options(actor=cast.ngo_admin, form=form, org_unit_field="village")
    services.submission_receive(xml=instance_xml(village=village.code, men=11), user=cast.clerk_sector)
    services.submission_receive(xml=instance_xml(village=gasabo_village.code, men=22), user=cast.me_gasabo)
    page = client_for(cast.me_nyarugenge).get("/collection/forms/dialogue/").content.decode()
    assert '<td translate="no">11</td>' in page and '<td translate="no">22</td>' not in page
    admin_page = client_for(cast.ngo_admin).get("/collection/forms/dialogue/?org_unit=12").content.decode()
    assert '<td translate="no">22</td>' in admin_page and '<td translate="no">11</td>' not in admin_page
    assert client_for(cast.ngo_admin).get("/collection/forms/dialogue/?review_state=x").status_code == 400
    assert client_for(cast.police_me_nyarugenge).get("/collection/forms/dialogue/").status_code == 404


def test_submission_page_review_and_edit(cast: Any) -> None:
    upload(cast.ngo_admin, cast.ngo)
    sub = services.submission_receive(
        xml=instance_xml(instance_id="uuid:s1"), user=cast.clerk_sector
    ).submission
    url = "/collection/forms/dialogue/submissions/uuid:s1/"
    assert client_for(cast.me_gasabo).get(url).status_code == 404
    c = client_for(cast.me_nyarugenge)
    assert (
        c.post(url, {"action": "review", "review_state": "rejected", "comment": "duplicate"}).status_code
        == 302
    )
    assert c.post(url, {"action": "edit", "field_women": "9"}).status_code == 302
    sub.refresh_from_db()
    assert sub.review_state == "rejected" and sub.data["women"] == "9"
    clerk = client_for(cast.clerk_sector)
    assert "Rejected" in clerk.get(url).content.decode()
    clerk.post(url, {"action": "review", "review_state": "approved"})
    assert Submission.objects.get().review_state == "rejected"


def test_token_page_issues_and_revokes(cast: Any) -> None:
    upload(cast.ngo_admin, cast.ngo)
    c = client_for(cast.ngo_admin)
    resp = c.post("/collection/tokens/", {"name": "Tablet 7", "organisation": "NGO1", "forms": ["dialogue"]})
    assert resp.status_code == 200 and "/openrosa/c/" in resp.content.decode()
    token = CollectorToken.objects.get()
    assert (
        client_for(cast.police_me_nyarugenge).post(f"/collection/tokens/{token.pk}/revoke").status_code == 404
    )
    assert client_for(cast.viewer_nyarugenge).get("/collection/tokens/").status_code == 403
    c.post(f"/collection/tokens/{token.pk}/revoke")
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_settings_page_sets_the_place_field(cast: Any) -> None:
    form = upload(cast.ngo_admin, cast.ngo)
    c = client_for(cast.ngo_admin)
    c.post("/collection/forms/dialogue/settings", {"org_unit_field": "village", "is_active": "on"})
    form.refresh_from_db()
    assert form.org_unit_field == "village"
    assert (
        client_for(cast.viewer_nyarugenge).post("/collection/forms/dialogue/settings", {}).status_code == 404
    )
