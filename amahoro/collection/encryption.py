"""ODK's submission encryption (as ODK Collect, Enketo and Briefcase implement it).

Per record, the client draws a random 256-bit AES key, wraps it with the form's RSA public key (OAEP) as
`base64EncryptedKey`, and encrypts each file with AES-CFB (PKCS#5 padding). The IV of the n-th file
(media files first, in envelope order, then submission.xml) comes from md5(instanceID + key) repeated to
16 bytes, with byte n % 16 incremented once more for each file. A signature (RSA of the md5 of formId,
version, the wrapped key, instanceID and each plaintext file's "name::md5") lets us check the result.

`encrypt_record` does what ODK Collect does; it is used by tests and the demo, never by the server.
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass

from cryptography.hazmat.decrepit.ciphers.modes import CFB
from cryptography.hazmat.primitives import hashes, padding, serialization
from cryptography.hazmat.primitives.asymmetric import padding as asym
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms


class DecryptionError(ValueError):
    pass


# Collect asks for "RSA/NONE/OAEPWithSHA256AndMGF1Padding": depending on the Android provider that is
# SHA-1 OAEP (what ODK Central decrypts), SHA-256 with MGF1-SHA1 (Enketo), or SHA-256 throughout.
_OAEP_VARIANTS = (
    asym.OAEP(mgf=asym.MGF1(hashes.SHA1()), algorithm=hashes.SHA1(), label=None),  # noqa: S303
    asym.OAEP(mgf=asym.MGF1(hashes.SHA1()), algorithm=hashes.SHA256(), label=None),  # noqa: S303
    asym.OAEP(mgf=asym.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None),
)


def load_private_key(pem: bytes) -> RSAPrivateKey:
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as exc:
        raise DecryptionError("not an unencrypted PEM private key") from exc
    if not isinstance(key, RSAPrivateKey):
        raise DecryptionError("the private key must be an RSA key")
    return key


def load_public_key(base64_der: str) -> RSAPublicKey:
    """The form's `public_key` setting: base64 of the DER SubjectPublicKeyInfo (PEM body, no armour)."""
    body = "".join(line for line in base64_der.splitlines() if "-----" not in line).strip()
    key = serialization.load_der_public_key(base64.b64decode(body))
    if not isinstance(key, RSAPublicKey):
        raise DecryptionError("the public key must be an RSA key")
    return key


def public_key_setting(private_key: RSAPrivateKey) -> str:
    der = private_key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(der).decode()


def keys_match(private_key: RSAPrivateKey, public_setting: str) -> bool:
    return public_key_setting(private_key) == "".join(public_setting.split())


class _Ivs:
    def __init__(self, instance_id: str, key: bytes) -> None:
        digest = hashlib.md5(instance_id.encode() + key, usedforsecurity=False).digest()
        self.seed = bytearray(digest[i % len(digest)] for i in range(16))
        self.counter = 0

    def next(self) -> bytes:
        i = self.counter % 16
        self.seed[i] = (self.seed[i] + 1) % 256
        self.counter += 1
        return bytes(self.seed)


def _aes(key: bytes, iv: bytes) -> Cipher[CFB]:
    return Cipher(algorithms.AES(key), CFB(iv))


def _unwrap(private_key: RSAPrivateKey, wrapped: bytes) -> bytes:
    for variant in _OAEP_VARIANTS:
        try:
            return private_key.decrypt(wrapped, variant)
        except ValueError:
            continue
    raise DecryptionError("the private key does not open this submission's key (wrong key?)")


@dataclass
class Decrypted:
    xml: bytes
    media: dict[str, bytes]  # plaintext name (".enc" dropped) -> bytes
    signature_ok: bool


def decrypt_record(
    *,
    private_key: RSAPrivateKey,
    form_id: str,
    version: str,
    instance_id: str,
    encrypted_key_b64: str,
    signature_b64: str,
    media: list[str],
    encrypted_xml_name: str,
    files: dict[str, bytes],
) -> Decrypted:
    try:
        key = _unwrap(private_key, base64.b64decode(encrypted_key_b64))
    except (ValueError, TypeError) as exc:
        raise DecryptionError(str(exc)) from exc
    if len(key) != 32:
        raise DecryptionError("the unwrapped key is not a 256-bit AES key")
    ivs = _Ivs(instance_id, key)

    def open_file(name: str) -> bytes:
        if name not in files:
            raise DecryptionError(f"encrypted file {name} is missing")
        decryptor = _aes(key, ivs.next()).decryptor()
        padded = decryptor.update(files[name]) + decryptor.finalize()
        unpadder = padding.PKCS7(128).unpadder()
        try:
            return unpadder.update(padded) + unpadder.finalize()
        except ValueError as exc:
            raise DecryptionError(f"{name} does not decrypt (corrupt file or wrong key)") from exc

    plain_media = {name.removesuffix(".enc"): open_file(name) for name in media}
    xml = open_file(encrypted_xml_name)
    signature_ok = False
    if signature_b64:
        source = [form_id] + ([version] if version else []) + [encrypted_key_b64, instance_id]
        source += [
            f"{n}::{hashlib.md5(b, usedforsecurity=False).hexdigest()}" for n, b in plain_media.items()
        ]
        source.append(f"submission.xml::{hashlib.md5(xml, usedforsecurity=False).hexdigest()}")
        expected = hashlib.md5(("\n".join(source) + "\n").encode(), usedforsecurity=False).digest()
        try:
            signature_ok = _unwrap(private_key, base64.b64decode(signature_b64)) == expected
        except (DecryptionError, ValueError):
            signature_ok = False
    return Decrypted(xml=xml, media=plain_media, signature_ok=signature_ok)


@dataclass
class EncryptedRecord:
    envelope: bytes  # the submission.xml the client posts
    files: dict[str, bytes]  # submission.xml.enc and <media>.enc


def encrypt_record(
    *,
    public_key_setting_b64: str,
    form_id: str,
    version: str,
    instance_id: str,
    xml: bytes,
    media: dict[str, bytes] | None = None,
) -> EncryptedRecord:
    """Encrypt a record exactly as ODK Collect does (SHA-1 OAEP, AES-256-CFB, PKCS#5, Collect's IVs)."""
    public_key = load_public_key(public_key_setting_b64)
    key = os.urandom(32)
    oaep = _OAEP_VARIANTS[0]
    wrapped = base64.b64encode(public_key.encrypt(key, oaep)).decode()
    ivs = _Ivs(instance_id, key)

    def seal(data: bytes) -> bytes:
        padder = padding.PKCS7(128).padder()
        padded = padder.update(data) + padder.finalize()
        encryptor = _aes(key, ivs.next()).encryptor()
        return encryptor.update(padded) + encryptor.finalize()

    files: dict[str, bytes] = {}
    signature = [form_id] + ([version] if version else []) + [wrapped, instance_id]
    for name, data in (media or {}).items():
        files[f"{name}.enc"] = seal(data)
        signature.append(f"{name}::{hashlib.md5(data, usedforsecurity=False).hexdigest()}")
    files["submission.xml.enc"] = seal(xml)
    signature.append(f"submission.xml::{hashlib.md5(xml, usedforsecurity=False).hexdigest()}")
    digest = hashlib.md5(("\n".join(signature) + "\n").encode(), usedforsecurity=False).digest()
    signed = base64.b64encode(public_key.encrypt(digest, oaep)).decode()
    version_attr = f' version="{version}"' if version else ""
    media_xml = "".join(f"<file>{name}.enc</file>" for name in (media or {}))
    envelope = (
        f'<data xmlns="http://www.opendatakit.org/xforms/encrypted" id="{form_id}"{version_attr} '
        f'encrypted="yes"><base64EncryptedKey>{wrapped}</base64EncryptedKey>'
        f'<meta xmlns="http://openrosa.org/xforms"><instanceID>{instance_id}</instanceID></meta>'
        + (f"<media>{media_xml}</media>" if media_xml else "")
        + "<encryptedXmlFile>submission.xml.enc</encryptedXmlFile>"
        f"<base64EncryptedElementSignature>{signed}</base64EncryptedElementSignature></data>"
    )
    return EncryptedRecord(envelope=envelope.encode(), files=files)
