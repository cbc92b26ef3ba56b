"""An encrypted form end to end over HTTP: Collect-style encrypted upload, the private key through the API,
then the decrypted answers in the JSON API and the export; refusals for the key and media endpoints."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from amahoro.collection import encryption
from amahoro.collection.models import FormMedia, Submission

from .factories import instance_xml, upload
from .test_openrosa import basic, post_submission

pytestmark = pytest.mark.django_db


def test_encrypted_submission_over_openrosa_then_decrypted_in_api_and_export(
    cast: Any, api_client: Any
) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public = encryption.public_key_setting(key)
    upload(cast.ngo_admin, cast.ngo, form_id="gbv_intake", public_key=public)
    form_xml = (
        Client().get("/openrosa/forms/gbv_intake/form.xml", **basic(cast.clerk_sector)).content.decode()
    )
    assert f'base64RsaPublicKey="{public}"' in form_xml
    record = encryption.encrypt_record(
        public_key_setting_b64=public,
        form_id="gbv_intake",
        version="1",
        instance_id="uuid:enc-http",
        xml=instance_xml(form_id="gbv_intake", instance_id="uuid:enc-http", women=21),
        media={"photo.jpg": b"\xff\xd8secret"},
    )
    resp = post_submission(Client(), record.envelope, attachments=record.files, **basic(cast.clerk_sector))
    assert resp.status_code == 201, resp.content
    sub = Submission.objects.get()
    assert sub.encrypted and sub.data == {} and "women" not in sub.xml
    assert sorted(a.filename for a in sub.attachments.all()) == ["photo.jpg.enc", "submission.xml.enc"]
    missing = post_submission(
        Client(), record.envelope.replace(b"uuid:enc-http", b"uuid:other"), **basic(cast.clerk_sector)
    )
    assert missing.status_code == 400 and b"submission.xml.enc" in missing.content

    url = "/api/v1/forms/gbv_intake/private-key"
    api_client.force_authenticate(cast.viewer_nyarugenge)
    assert (
        api_client.post(
            url, {"private_key": SimpleUploadedFile("k.pem", pem)}, format="multipart"
        ).status_code
        == 403
    )
    api_client.force_authenticate(cast.police_me_nyarugenge)
    assert (
        api_client.post(
            url, {"private_key": SimpleUploadedFile("k.pem", pem)}, format="multipart"
        ).status_code
        == 404
    )
    api_client.force_authenticate(cast.ngo_admin)
    bad = api_client.post(url, {"private_key": SimpleUploadedFile("k.pem", b"not a key")}, format="multipart")
    assert bad.status_code == 400 and bad.json()["field"] == "private_key"
    before = api_client.get("/api/v1/forms/gbv_intake/submissions").json()["results"][0]
    assert before["encrypted"] and before["data"] == {}
    assert (
        api_client.post(
            url, {"private_key": SimpleUploadedFile("k.pem", pem)}, format="multipart"
        ).status_code
        == 204
    )
    after = api_client.get("/api/v1/forms/gbv_intake/submissions").json()["results"][0]
    assert after["data"]["women"] == "21"
    rows = list(
        csv.reader(io.StringIO(api_client.get("/api/v1/forms/gbv_intake/export.csv").content.decode()))
    )
    assert rows[1][rows[0].index("women")] == "21"


def test_media_endpoint_and_refusals(cast: Any, api_client: Any) -> None:
    upload(cast.ngo_admin, cast.ngo)
    url = "/api/v1/forms/dialogue/media"
    api_client.force_authenticate(cast.clerk_sector)
    assert (
        api_client.post(url, {"file": SimpleUploadedFile("a.png", b"png")}, format="multipart").status_code
        == 403
    )
    api_client.force_authenticate(cast.police_me_nyarugenge)
    assert (
        api_client.post(url, {"file": SimpleUploadedFile("a.png", b"png")}, format="multipart").status_code
        == 404
    )
    api_client.force_authenticate(cast.me_gasabo)
    resp = api_client.post(url, {"file": SimpleUploadedFile("a.png", b"png")}, format="multipart")
    assert resp.status_code == 201 and resp.json()["filename"] == "a.png"
    assert FormMedia.objects.get().md5 == resp.json()["md5"]
    assert api_client.post(url, {}, format="multipart").status_code == 400
    assert api_client.get("/api/v1/forms/dialogue").json()["form_id"] == "dialogue"
    api_client.force_authenticate(cast.police_me_nyarugenge)
    assert api_client.get("/api/v1/forms/dialogue").status_code == 404
