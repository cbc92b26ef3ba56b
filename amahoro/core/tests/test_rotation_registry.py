"""The registry of encrypted columns covers every ciphertext, so rotation cannot forget one."""

from __future__ import annotations

from django.apps import apps
from django.db import models

from amahoro.core import crypto

# BinaryFields that hold no one's identity: the XLSForm files as uploaded and public form media.
PLAINTEXT_BLOBS = {
    "collection.XForm.xlsform",
    "collection.FormVersion.xlsform",
    "collection.FormMedia.content",
}


def test_every_binary_field_is_either_a_registered_encrypted_blob_or_known_plaintext() -> None:
    registered = {c.label for c in crypto.encrypted_columns()}
    unknown = [
        f"{model._meta.label}.{f.name}"
        for model in apps.get_models()
        for f in model._meta.concrete_fields
        if isinstance(f, models.BinaryField)
        and f"{model._meta.label}.{f.name}" not in registered
        and f"{model._meta.label}.{f.name}" not in PLAINTEXT_BLOBS
    ]
    assert unknown == [], (
        "declare `encrypted_blobs = (...)` on the model if these hold encrypt_bytes() tokens, "
        f"or add them to PLAINTEXT_BLOBS: {unknown}"
    )


def test_the_registry_lists_files_keys_and_fields() -> None:
    by_kind = {(c.label, c.kind) for c in crypto.encrypted_columns()}
    assert {
        ("collection.XForm.private_key_enc", "blob"),
        ("collection.Attachment.content_enc", "blob"),
        ("consultations.Attachment.content", "blob"),
        ("consultations.Attachment.filename", "text"),
        ("cases.Survivor.identity", "text"),
        ("cases.Incident.account", "text"),
        ("cases.CaseNote.text", "text"),
    } <= by_kind
