"""Encryption at rest: round trips, rotation, blind indexes, clear errors on bad keys."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from amahoro.core import crypto

OLD = Fernet.generate_key().decode()
NEW = Fernet.generate_key().decode()


def test_round_trip_and_ciphertext_hides_the_plaintext() -> None:
    with override_settings(FIELD_ENCRYPTION_KEYS=[OLD]):
        stored = crypto.encrypt("Uwimana Aline, 0788123456")
        assert stored.startswith(crypto.PREFIX)
        assert "Uwimana" not in stored and "0788" not in stored
        assert crypto.decrypt(stored) == "Uwimana Aline, 0788123456"
        assert crypto.encrypt("same") != crypto.encrypt("same")  # random IV: equal texts do not show


def test_rotation_keeps_old_values_readable_and_moves_them_to_the_new_key() -> None:
    with override_settings(FIELD_ENCRYPTION_KEYS=[OLD]):
        stored = crypto.encrypt("secret")
    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW, OLD]):
        assert crypto.decrypt(stored) == "secret"
        rotated = crypto.rotate(stored)
    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW]):
        assert crypto.decrypt(rotated) == "secret"
        with pytest.raises(crypto.DecryptionFailed, match="no configured key"):
            crypto.decrypt(stored)


def test_blind_index_is_stable_normalised_purpose_bound_and_survives_rotation() -> None:
    with override_settings(FIELD_ENCRYPTION_KEYS=[OLD]):
        a = crypto.blind_index("+250 788-123-456", purpose="phone")
        assert a == crypto.blind_index("250788123456", purpose="phone")
        assert a != crypto.blind_index("250788123456", purpose="national_id")
        assert crypto.blind_index("  ", purpose="phone") == ""
        assert "788" not in a
    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW, OLD]):
        assert crypto.blind_index("250788123456", purpose="phone") == a


def test_missing_or_malformed_keys_fail_clearly() -> None:
    with override_settings(FIELD_ENCRYPTION_KEYS=[]), pytest.raises(ImproperlyConfigured, match="empty"):
        crypto.encrypt("x")
    with (
        override_settings(FIELD_ENCRYPTION_KEYS=["not-a-key"]),
        pytest.raises(ImproperlyConfigured, match="32"),
    ):
        crypto.encrypt("x")


def test_a_plaintext_is_never_taken_for_a_ciphertext() -> None:
    with pytest.raises(crypto.DecryptionFailed, match="not an Amahoro ciphertext"):
        crypto.decrypt("gAAAAA-looks-like-fernet")


def test_bytes_round_trip() -> None:
    with override_settings(FIELD_ENCRYPTION_KEYS=[OLD]):
        token = crypto.encrypt_bytes(b"-----BEGIN PRIVATE KEY-----")
        assert b"PRIVATE" not in token
        assert crypto.decrypt_bytes(token) == b"-----BEGIN PRIVATE KEY-----"


def test_blind_index_key_can_be_set_apart_from_the_encryption_keys() -> None:
    with override_settings(FIELD_ENCRYPTION_KEYS=[OLD], FIELD_INDEX_KEY="index-key-1"):
        a = crypto.blind_index("0788123456", purpose="phone")
    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW], FIELD_INDEX_KEY="index-key-1"):
        assert crypto.blind_index("0788123456", purpose="phone") == a  # the old key is gone, indexes hold
    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW], FIELD_INDEX_KEY="index-key-2"):
        assert crypto.blind_index("0788123456", purpose="phone") != a
