"""Key rotation reaches the files: photos and audio of submissions and the form's private key."""

from __future__ import annotations

from io import StringIO
from typing import Any

from cryptography.fernet import Fernet
from django.core.management import call_command
from django.test import override_settings

from amahoro.collection import encryption, services
from amahoro.collection.models import Attachment, XForm

from .factories import instance_xml, upload
from .test_services import _keypair


def test_rotation_re_encrypts_attachments_and_private_keys(cast: Any, settings: Any) -> None:
    old = list(settings.FIELD_ENCRYPTION_KEYS)
    pem, public = _keypair()
    form = upload(cast.ngo_admin, cast.ngo, form_id="gbv", public_key=public)
    services.form_private_key_set(actor=cast.ngo_admin, form=form, pem=pem)
    record = encryption.encrypt_record(
        public_key_setting_b64=public,
        form_id="gbv",
        version="1",
        instance_id="uuid:rot-1",
        xml=instance_xml(form_id="gbv", instance_id="uuid:rot-1"),
        media={"photo.jpg": b"\xff\xd8 a face"},
    )
    files = [services.UploadedFile(n, b) for n, b in record.files.items()]
    sub = services.submission_receive(xml=record.envelope, files=files, user=cast.clerk_sector).submission
    new = Fernet.generate_key().decode()
    with override_settings(FIELD_ENCRYPTION_KEYS=[new, *old]):
        call_command("rotate_field_keys", stdout=StringIO())
    with override_settings(FIELD_ENCRYPTION_KEYS=[new]):  # the old key is gone
        form = XForm.objects.get(pk=form.pk)
        assert services._private_key(form) is not None
        for att in Attachment.objects.filter(submission=sub):
            assert services.attachment_content(att)  # decrypts with the new key alone
        opened = services.submission_decrypt(submission=sub)
        assert opened.media == {"photo.jpg": b"\xff\xd8 a face"}
        out = StringIO()
        call_command("rotate_field_keys", "--check", stdout=out)
        assert "collection.Attachment.content_enc: 2 values, 2 already under the newest key" in out.getvalue()
        assert "collection.XForm.private_key_enc: 1 values, 1 already under the newest key" in out.getvalue()
