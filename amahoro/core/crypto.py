"""Encryption at rest for survivor- and participant-identifying data, and blind indexes to find it.

Keys come from settings.FIELD_ENCRYPTION_KEYS (Fernet keys: 32 url-safe base64 bytes each), newest first.
Values are encrypted with the newest key and decrypted with any of them, so a key is rotated by putting a
new one last, then first, running `amahoro rotate_field_keys` and then dropping the old one (docs/security.md).

Encrypted values cannot be searched. Where an exact-match lookup is needed (a phone number, a national
ID), store `blind_index(value, purpose=...)` beside the ciphertext: an HMAC keyed by FIELD_INDEX_KEY (or, when
that is unset, the *oldest* configured encryption key, so adding a new key does not invalidate the indexes)
and the purpose (so the same phone number gives unrelated digests in two tables).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

PREFIX = "enc1:"  # marks a stored ciphertext, so a plaintext can never be mistaken for one


class DecryptionFailed(Exception):
    """A stored value could not be decrypted with any configured key (counted for /metrics)."""

    def __init__(self, *args: object) -> None:
        super().__init__(*args)
        from amahoro.core import metrics

        metrics.decryption_failed()


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is empty: identifying data cannot be stored")
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except ValueError as exc:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS holds a key that is not 32 url-safe base64-encoded bytes "
            "(make one with: python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')"
        ) from exc


def _keys() -> tuple[str, ...]:
    return tuple(k.strip() for k in getattr(settings, "FIELD_ENCRYPTION_KEYS", []) if k.strip())


def encrypt(plaintext: str) -> str:
    return PREFIX + _fernet(_keys()).encrypt(plaintext.encode()).decode()


def decrypt(stored: str) -> str:
    if not stored.startswith(PREFIX):
        raise DecryptionFailed("value is not an Amahoro ciphertext")
    try:
        return _fernet(_keys()).decrypt(stored[len(PREFIX) :].encode()).decode()
    except InvalidToken as exc:
        raise DecryptionFailed(
            "no configured key decrypts this value (was a key removed too early?)"
        ) from exc


def rotate(stored: str) -> str:
    """The same plaintext, re-encrypted with the newest key."""
    return PREFIX + _fernet(_keys()).rotate(stored[len(PREFIX) :].encode()).decode()


def encrypt_bytes(data: bytes) -> bytes:
    """For files (attachments, private keys): the Fernet token of the bytes."""
    return _fernet(_keys()).encrypt(data)


def decrypt_bytes(token: bytes) -> bytes:
    try:
        return _fernet(_keys()).decrypt(token)
    except InvalidToken as exc:
        raise DecryptionFailed("no configured key decrypts this file") from exc


def normalise(value: str) -> str:
    """What two spellings of the same identifier share: case, accents, spaces and punctuation dropped."""
    folded = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode().casefold()
    return "".join(ch for ch in folded if ch.isalnum())


def blind_index(value: str, *, purpose: str) -> str:
    """A keyed digest of the normalised value for exact-match search over encrypted data ('' for '')."""
    norm = normalise(value)
    if not norm:
        return ""
    root = str(getattr(settings, "FIELD_INDEX_KEY", "") or "")
    if not root:
        keys = _keys()
        if not keys:
            raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is empty: identifying data cannot be indexed")
        root = keys[-1]
    secret = hmac.new(root.encode(), b"amahoro-blind-index:" + purpose.encode(), hashlib.sha256).digest()
    return hmac.new(secret, norm.encode(), hashlib.sha256).hexdigest()


class EncryptedTextField(models.TextField):
    """A text column stored encrypted; reads give the plaintext back. Not searchable or sortable."""

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(str(value))


class EncryptedJSONField(models.TextField):
    """A JSON document (dict or list) stored encrypted as one ciphertext."""

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None or value == "":
            return None
        return json.loads(decrypt(value))

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            if value.startswith(PREFIX):
                return json.loads(decrypt(value))
            return json.loads(value) if value else None
        return value

    def get_prep_value(self, value: Any) -> Any:
        if value is None:
            return None
        return encrypt(json.dumps(value, sort_keys=True, default=str))

    def value_to_string(self, obj: Any) -> str:
        return json.dumps(self.value_from_object(obj), default=str)


@dataclass(frozen=True)
class EncryptedColumn:
    """One column that holds ciphertext: "text" (EncryptedTextField / EncryptedJSONField, `enc1:` + a Fernet
    token) or "blob" (a BinaryField holding a Fernet token written by encrypt_bytes)."""

    model: type[models.Model]
    field: str
    kind: str

    @property
    def label(self) -> str:
        return f"{self.model._meta.label}.{self.field}"


def encrypted_columns() -> list[EncryptedColumn]:
    """The registry of every encrypted value and blob in the installed apps, for key rotation and its check.

    Text and JSON columns are found by their field class. A BinaryField holding encrypt_bytes() tokens is
    declared on its model: `encrypted_blobs = ("content_enc",)`; a test fails when a BinaryField is neither
    declared nor listed as plaintext, so a new encrypted file cannot be forgotten by rotation."""
    from django.apps import apps

    found: list[EncryptedColumn] = []
    for model in apps.get_models():
        for f in model._meta.concrete_fields:
            if isinstance(f, EncryptedTextField | EncryptedJSONField):
                found.append(EncryptedColumn(model, f.name, "text"))
        for name in getattr(model, "encrypted_blobs", ()):
            field = model._meta.get_field(name)
            if not isinstance(field, models.BinaryField):
                raise ImproperlyConfigured(
                    f"{model._meta.label}.{name} is declared an encrypted blob but is not a BinaryField"
                )
            found.append(EncryptedColumn(model, name, "blob"))
    return found


def token_of(raw: Any, kind: str) -> bytes | None:
    """The Fernet token inside a raw stored value (as the database returns it), or None when empty."""
    if raw is None or raw == "" or raw == b"":
        return None
    if kind == "text":
        text = str(raw)
        if not text.startswith(PREFIX):
            raise DecryptionFailed("value is not an Amahoro ciphertext")
        return text[len(PREFIX) :].encode()
    return bytes(raw)


def under_newest_key(token: bytes) -> bool:
    """Whether the first (newest) key alone opens the token: what rotation leaves behind."""
    keys = _keys()
    try:
        Fernet(keys[0].encode()).decrypt(token)
    except InvalidToken:
        return False
    return True


def rotate_token(token: bytes) -> bytes:
    """The same plaintext under the newest key (DecryptionFailed when no configured key opens it)."""
    try:
        return _fernet(_keys()).rotate(token)
    except InvalidToken as exc:
        raise DecryptionFailed(
            "no configured key decrypts this value (was a key removed too early?)"
        ) from exc
