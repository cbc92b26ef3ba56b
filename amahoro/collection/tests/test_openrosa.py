from __future__ import annotations

import base64
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from amahoro.collection import services
from amahoro.collection.models import Submission
from conftest import PASSWORD

from .factories import instance_xml, upload

pytestmark = pytest.mark.django_db


def basic(user: Any, password: str = PASSWORD) -> dict[str, str]:
    raw = base64.b64encode(f"{user.username}:{password}".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {raw}"}


def post_submission(client: Client, xml: bytes, url: str = "/openrosa/submission", **extra: Any) -> Any:
    files: dict[str, Any] = {"xml_submission_file": SimpleUploadedFile("submission.xml", xml, "text/xml")}
    for name, content in extra.pop("attachments", {}).items():
        files[name] = SimpleUploadedFile(name, content, "application/octet-stream")
    return client.post(url, files, **extra)


@pytest.fixture
def form(cast: Any) -> Any:
    f = upload(cast.ngo_admin, cast.ngo)
    services.form_media_add(actor=cast.ngo_admin, form=f, filename="villages.csv", content=b"code\n1101\n")
    return f


def test_anonymous_gets_a_basic_challenge_with_openrosa_headers(form: Any) -> None:
    c = Client()
    for resp in (
        c.get("/openrosa/formList"),
        c.head("/openrosa/submission"),
        post_submission(c, instance_xml()),
    ):
        assert resp.status_code == 401
        assert resp["WWW-Authenticate"].startswith('Basic realm="Amahoro OpenRosa"')
        assert resp["X-OpenRosa-Version"] == "1.0"
    bad = basic(form.created_by, "wrong-password")
    assert c.get("/openrosa/formList", **bad).status_code == 401
    assert not Submission.objects.exists()


def test_form_list_download_and_manifest(cast: Any, form: Any) -> None:
    c = Client()
    resp = c.get("/openrosa/formList", **basic(cast.clerk_sector))
    body = resp.content.decode()
    assert resp.status_code == 200 and resp["X-OpenRosa-Version"] == "1.0"
    assert resp["Content-Type"].startswith("text/xml")
    assert 'xmlns="http://openrosa.org/xforms/xformsList"' in body
    assert "<formID>dialogue</formID>" in body and f"<hash>md5:{form.md5}</hash>" in body
    assert "<downloadUrl>http://testserver/openrosa/forms/dialogue/form.xml</downloadUrl>" in body
    assert "<manifestUrl>http://testserver/openrosa/forms/dialogue/manifest</manifestUrl>" in body
    xml = c.get("/openrosa/forms/dialogue/form.xml", **basic(cast.clerk_sector))
    assert xml.status_code == 200 and xml.content.decode() == form.xml
    manifest = c.get("/openrosa/forms/dialogue/manifest", **basic(cast.clerk_sector)).content.decode()
    assert "<filename>villages.csv</filename>" in manifest and "md5:" in manifest
    media = c.get("/openrosa/forms/dialogue/media/villages.csv", **basic(cast.clerk_sector))
    assert media.content == b"code\n1101\n"


def test_other_organisation_and_viewers_see_no_forms(cast: Any, form: Any) -> None:
    c = Client()
    for user in (cast.police_me_nyarugenge, cast.viewer_nyarugenge, cast.nobody):
        body = c.get("/openrosa/formList", **basic(user)).content.decode()
        assert "<formID>" not in body
        assert c.get("/openrosa/forms/dialogue/form.xml", **basic(user)).status_code == 404
    resp = post_submission(c, instance_xml(), **basic(cast.police_me_nyarugenge))
    assert resp.status_code == 403 and not Submission.objects.exists()


def test_head_then_post_like_odk_collect_with_resend_conflict_and_edit(cast: Any, form: Any) -> None:
    c = Client()
    auth = basic(cast.clerk_sector)
    head = c.head("/openrosa/submission", **auth)
    assert head.status_code == 204 and int(head["X-OpenRosa-Accept-Content-Length"]) > 0
    xml = instance_xml(instance_id="uuid:a1")
    first = post_submission(c, xml, attachments={"photo.jpg": b"\xff\xd8img"}, **auth)
    assert first.status_code == 201, first.content
    assert b"OpenRosaResponse" in first.content and b'nature="submit_success"' in first.content
    assert first["X-OpenRosa-Accept-Content-Length"] and first["X-OpenRosa-Version"] == "1.0"
    again = post_submission(c, xml, attachments={"photo.jpg": b"\xff\xd8img"}, **auth)
    assert again.status_code == 202
    assert Submission.objects.count() == 1
    conflict = post_submission(c, instance_xml(instance_id="uuid:a1", men=1), **auth)
    assert conflict.status_code == 409 and b"instanceID" in conflict.content
    edit = post_submission(c, instance_xml(instance_id="uuid:a2", deprecated_id="uuid:a1", men=8), **auth)
    assert edit.status_code == 201
    current = Submission.objects.get(is_current=True)
    assert current.instance_id == "uuid:a2" and current.data["men"] == "8"
    assert [a.filename for a in Submission.objects.get(instance_id="uuid:a1").attachments.all()] == [
        "photo.jpg"
    ]


def test_bad_inputs_are_openrosa_responses_and_store_nothing(cast: Any, form: Any, settings: Any) -> None:
    c = Client()
    auth = basic(cast.clerk_sector)
    missing = c.post("/openrosa/submission", {"other": SimpleUploadedFile("x.xml", b"<a/>")}, **auth)
    assert missing.status_code == 400 and b"xml_submission_file" in missing.content
    malformed = post_submission(c, b"<data id='dialogue'><men>", **auth)
    assert malformed.status_code == 400 and b"malformed" in malformed.content
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
        b'<data id="dialogue"><men>&b;</men></data>'
    )
    assert post_submission(c, bomb, **auth).status_code == 400
    xxe = b'<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><data id="dialogue"><men>&x;</men></data>'
    assert post_submission(c, xxe, **auth).status_code == 400
    unknown = post_submission(c, instance_xml(form_id="nope"), **auth)
    assert unknown.status_code == 404 and b"OpenRosaResponse" in unknown.content
    settings.OPENROSA_MAX_CONTENT_LENGTH = 1000
    big = post_submission(c, instance_xml(), attachments={"photo.jpg": b"x" * 5000}, **auth)
    assert big.status_code == 413
    assert not Submission.objects.exists()


def test_collector_token_urls_restricted_and_revocable(cast: Any, form: Any) -> None:
    token, raw = services.token_create(
        actor=cast.ngo_admin, organisation=cast.ngo, name="Tablet 1", forms=[form]
    )
    c = Client()
    listing = c.get(f"/openrosa/c/{raw}/formList")
    assert listing.status_code == 200
    assert f"/openrosa/c/{raw}/forms/dialogue/form.xml".encode() in listing.content
    assert c.head(f"/openrosa/c/{raw}/submission").status_code == 204
    resp = post_submission(c, instance_xml(), url=f"/openrosa/c/{raw}/submission")
    assert resp.status_code == 201
    sub = Submission.objects.get()
    assert sub.collector_token == token and sub.submitted_by is None
    services.token_revoke(actor=cast.ngo_admin, token=token)
    assert c.get(f"/openrosa/c/{raw}/formList").status_code == 404
    assert post_submission(c, instance_xml(), url=f"/openrosa/c/{raw}/submission").status_code == 404
    assert c.get("/openrosa/c/not-a-token/formList").status_code == 404


def test_csrf_is_not_required_even_with_enforcing_client(cast: Any, form: Any) -> None:
    c = Client(enforce_csrf_checks=True)
    resp = post_submission(c, instance_xml(), **basic(cast.clerk_sector))
    assert resp.status_code == 201


def test_a_remembered_basic_sign_in_ends_with_a_password_change_or_deactivation(
    cast: Any, form: Any, django_assert_max_num_queries: Any
) -> None:
    from django.core.cache import cache

    cache.clear()
    c = Client()
    user = cast.clerk_sector
    assert c.head("/openrosa/submission", **basic(user)).status_code == 204  # checks the password once
    # Remembered: the HEAD probe neither checks the hash again nor reads the user.
    with django_assert_max_num_queries(0):
        assert c.head("/openrosa/submission", **basic(user)).status_code == 204
    assert post_submission(c, instance_xml(instance_id="uuid:pw-1"), **basic(user)).status_code == 201

    user.set_password("a-new-password-2026")
    user.save()
    resp = post_submission(c, instance_xml(instance_id="uuid:pw-2"), **basic(user))
    assert resp.status_code == 401  # the old password no longer works, cached or not
    assert c.head("/openrosa/submission", **basic(user)).status_code == 401
    assert (
        post_submission(
            c, instance_xml(instance_id="uuid:pw-3"), **basic(user, "a-new-password-2026")
        ).status_code
        == 201
    )

    user.is_active = False
    user.save()
    resp = post_submission(c, instance_xml(instance_id="uuid:pw-4"), **basic(user, "a-new-password-2026"))
    assert resp.status_code == 401
    assert set(Submission.objects.values_list("instance_id", flat=True)) == {"uuid:pw-1", "uuid:pw-3"}
