"""Key rotation reaches assessment evidence files, not only their names."""

from __future__ import annotations

from typing import Any

from cryptography.fernet import Fernet
from django.test import override_settings

from amahoro.consultations import services
from amahoro.consultations.models import Attachment
from amahoro.core import rotation
from amahoro.core.crypto import decrypt_bytes

from .test_services import rate


def test_rotation_re_encrypts_attachment_contents(voices: Any, settings: Any) -> None:
    old = list(settings.FIELD_ENCRYPTION_KEYS)
    att = services.attachment_add(
        actor=voices.cso_me, assessment=rate(voices), filename="report.pdf", content=b"%PDF-1.4 names"
    )
    new = Fernet.generate_key().decode()
    with override_settings(FIELD_ENCRYPTION_KEYS=[new, *old]):
        rotation.rotate_all()
    with override_settings(FIELD_ENCRYPTION_KEYS=[new]):
        stored = Attachment.objects.get(pk=att.pk)
        assert decrypt_bytes(bytes(stored.content)) == b"%PDF-1.4 names"
        assert stored.filename == "report.pdf"
