"""GET /api/v1/forms/<form_id>/submissions/<instance_id>/attachments/<filename>: the decrypted file for those
who may see the submission, 404 (audited) for everyone else, never rendered in the browser."""

from __future__ import annotations

from typing import Any

import pytest

from amahoro.audit.models import AuditEvent
from amahoro.collection import encryption, services

from .factories import instance_xml, upload
from .test_services import _keypair

PHOTO = b"\xff\xd8\xff\xe0 a face"


def url(instance: str, name: str, form_id: str = "dialogue") -> str:
    return f"/api/v1/forms/{form_id}/submissions/{instance}/attachments/{name}"


@pytest.fixture
def plain(cast: Any) -> Any:
    upload(cast.ngo_admin, cast.ngo)
    # Village 11010101 lies in Nyarugenge (district 11), sector 1101.
    return services.submission_receive(
        xml=instance_xml(instance_id="uuid:att-1"),
        files=[
            services.UploadedFile("photo.jpg", PHOTO, "image/jpeg"),
            services.UploadedFile("page.html", b"<script>alert(1)</script>", "text/html"),
        ],
        user=cast.clerk_sector,
    ).submission


def test_who_may_see_the_submission_gets_the_decrypted_photo(cast: Any, api_client: Any, plain: Any) -> None:
    api_client.force_authenticate(cast.me_nyarugenge)
    resp = api_client.get(url("uuid:att-1", "photo.jpg"))
    assert resp.status_code == 200 and resp.content == PHOTO
    assert resp["Content-Type"] == "image/jpeg"
    assert resp["Content-Disposition"] == 'attachment; filename="photo.jpg"'
    assert resp["X-Content-Type-Options"] == "nosniff" and "no-store" in resp["Cache-Control"]
    event = AuditEvent.objects.filter(action="read", message="attachment photo.jpg read").get()
    assert event.actor == cast.me_nyarugenge and event.object_type == "collection.submission"


def test_an_uploaded_html_file_is_served_as_a_download_never_as_a_page(
    cast: Any, api_client: Any, plain: Any
) -> None:
    api_client.force_authenticate(cast.me_nyarugenge)
    resp = api_client.get(url("uuid:att-1", "page.html"))
    assert resp.status_code == 200
    assert resp["Content-Type"] == "application/octet-stream"
    assert "sandbox" in resp["Content-Security-Policy"]


@pytest.mark.parametrize("who", ["me_gasabo", "police_me_nyarugenge", "nobody"])
def test_others_get_404_and_the_attempt_is_audited(cast: Any, api_client: Any, plain: Any, who: str) -> None:
    api_client.force_authenticate(getattr(cast, who))
    resp = api_client.get(url("uuid:att-1", "photo.jpg"))
    assert resp.status_code == 404 and PHOTO.decode("latin-1") not in resp.content.decode("latin-1")
    assert AuditEvent.objects.filter(
        actor=getattr(cast, who), message__startswith="attachment read refused"
    ).exists()


def test_anonymous_is_refused(api_client: Any, plain: Any) -> None:
    assert api_client.get(url("uuid:att-1", "photo.jpg")).status_code in (401, 403)


def test_unknown_names_are_404(cast: Any, api_client: Any, plain: Any) -> None:
    api_client.force_authenticate(cast.me_nyarugenge)
    assert api_client.get(url("uuid:att-1", "other.jpg")).status_code == 404
    assert api_client.get(url("uuid:nope", "photo.jpg")).status_code == 404
    assert api_client.get(url("uuid:att-1", "photo.jpg", form_id="nope")).status_code == 404


def test_encrypted_form_attachment_is_opened_with_the_stored_private_key(cast: Any, api_client: Any) -> None:
    pem, public = _keypair()
    form = upload(cast.ngo_admin, cast.ngo, form_id="gbv", public_key=public)
    record = encryption.encrypt_record(
        public_key_setting_b64=public,
        form_id="gbv",
        version="1",
        instance_id="uuid:enc-att",
        xml=instance_xml(form_id="gbv", instance_id="uuid:enc-att"),
        media={"photo.jpg": PHOTO},
    )
    files = [services.UploadedFile(n, b) for n, b in record.files.items()]
    services.submission_receive(xml=record.envelope, files=files, user=cast.clerk_sector)
    api_client.force_authenticate(cast.me_nyarugenge)
    no_key = api_client.get(url("uuid:enc-att", "photo.jpg", form_id="gbv"))
    assert no_key.status_code == 400 and no_key.json()["field"] == "private_key"
    services.form_private_key_set(actor=cast.ngo_admin, form=form, pem=pem)
    resp = api_client.get(url("uuid:enc-att", "photo.jpg", form_id="gbv"))
    assert resp.status_code == 200 and resp.content == PHOTO and resp["Content-Type"] == "image/jpeg"
    # The encrypted parts themselves are not served.
    assert api_client.get(url("uuid:enc-att", "photo.jpg.enc", form_id="gbv")).status_code == 404
    assert api_client.get(url("uuid:enc-att", "submission.xml.enc", form_id="gbv")).status_code == 404
