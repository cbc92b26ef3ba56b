"""Encryption at rest (the raw database holds no survivor name, phone or account), key rotation, and no
identifying data in logs or error answers."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from amahoro.cases import services
from amahoro.cases.models import CaseNote, Incident, Survivor
from amahoro.core.crypto import DecryptionFailed

from .conftest import ACCOUNT, NAME, PHONE, consent_referral, create

SECRETS = (
    NAME,
    "Zakiya",
    PHONE,
    "788123456",
    ACCOUNT,
    "Qwertyuiop",
    "Plot 77 Zyxwvu Lane",
    "1199880012345678",
)


def _dump() -> str:
    """Every row of every table, as text: what a stolen database file or pg_dump would show."""
    out = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - table names from introspection
            out.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(out)


def _full_case(cc: Any) -> Incident:
    incident = create(
        cc.worker,
        survivor={
            "name": NAME,
            "phone": PHONE,
            "sex": "female",
            "date_of_birth": "1999-04-02",
            "address": "Plot 77 Zyxwvu Lane",
            "national_id": "1199880012345678",
        },
    )
    services.note_add(actor=cc.worker, incident=incident, kind="plan", text=f"Call {NAME} on {PHONE}")
    return incident


def test_the_raw_columns_hold_ciphertext(cc: Any) -> None:
    incident = _full_case(cc)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT identity, phone_index FROM cases_survivor WHERE id = %s", [incident.survivor_id]
        )
        identity, phone_index = cursor.fetchone()
        cursor.execute("SELECT account FROM cases_incident WHERE id = %s", [incident.pk])
        (account,) = cursor.fetchone()
        cursor.execute("SELECT text FROM cases_casenote WHERE incident_id = %s", [incident.pk])
        (note,) = cursor.fetchone()
    for raw in (identity, account, note):
        assert raw.startswith("enc1:")
        assert NAME not in raw and PHONE not in raw
    assert len(phone_index) == 64 and "788" not in phone_index
    # ...and the ORM gives the plaintext back.
    survivor = Survivor.objects.get(pk=incident.survivor_id)
    assert survivor.identity["name"] == NAME
    assert survivor.identity["date_of_birth"] == "1999-04-02"
    assert Incident.objects.get(pk=incident.pk).account == ACCOUNT


def test_a_dump_of_the_whole_database_contains_no_survivor_secret(cc: Any, api_client: Any) -> None:
    incident = _full_case(cc)
    services.consent_record(
        actor=cc.worker, incident=incident, purpose="services", given=True, method="verbal"
    )
    consent_referral(cc.worker, incident, "psychosocial")
    services.service_record(
        actor=cc.worker, incident=incident, type="psychosocial", status="referred", provider=cc.ngo
    )
    api_client.force_authenticate(cc.supervisor)
    assert api_client.get(f"/api/v1/gbv/incidents/{incident.uuid}").status_code == 200
    api_client.post("/api/v1/gbv/incidents/search", {"phone": PHONE}, format="json")
    dump = _dump()
    assert incident.survivor.code in dump  # the dump is real: the pseudonym is there
    for secret in SECRETS:
        assert secret not in dump, secret


def test_override_reason_is_encrypted(cc: Any) -> None:
    incident = create(cc.worker, consent={"services": False, "reporting": True})
    services.service_record(
        actor=cc.supervisor,
        incident=incident,
        type="legal",
        status="referred",
        provider=cc.ngo,
        override_reason=f"child at risk: {NAME}",
    )
    assert NAME not in _dump()


def test_rotate_field_keys_re_encrypts_case_data(cc: Any, settings: Any) -> None:
    old = settings.FIELD_ENCRYPTION_KEYS
    incident = _full_case(cc)
    with connection.cursor() as cursor:
        cursor.execute("SELECT identity FROM cases_survivor")
        (before,) = cursor.fetchone()
    new_key = Fernet.generate_key().decode()
    with override_settings(FIELD_ENCRYPTION_KEYS=[new_key, *old]):
        call_command("rotate_field_keys", stdout=open("/dev/null", "w"))  # noqa: SIM115
    with connection.cursor() as cursor:
        cursor.execute("SELECT identity FROM cases_survivor")
        (after,) = cursor.fetchone()
    assert after != before and after.startswith("enc1:")
    # Re-encrypted with the new key: it alone now opens the stored token.
    assert NAME in Fernet(new_key.encode()).decrypt(after.removeprefix("enc1:").encode()).decode()
    with override_settings(FIELD_ENCRYPTION_KEYS=[new_key, old[-1]]):
        # The old key can go (the last key only derives the blind indexes; see core.crypto).
        assert Survivor.objects.get(pk=incident.survivor_id).identity["name"] == NAME
        assert CaseNote.objects.get(incident=incident).text.startswith("Call ")
        assert services.phone_index(PHONE) == Survivor.objects.get(pk=incident.survivor_id).phone_index
    with (
        override_settings(FIELD_ENCRYPTION_KEYS=[Fernet.generate_key().decode()]),
        pytest.raises(DecryptionFailed),
    ):
        Survivor.objects.get(pk=incident.survivor_id)


def test_logs_and_error_answers_carry_no_survivor_data(cc: Any, api_client: Any, caplog: Any) -> None:
    caplog.set_level(logging.DEBUG)
    api_client.force_authenticate(cc.worker)
    from .conftest import payload

    r = api_client.post("/api/v1/gbv/incidents", payload(), format="json")
    ident = r.json()["id"]
    api_client.get(f"/api/v1/gbv/incidents/{ident}")
    bad = api_client.post(
        "/api/v1/gbv/incidents", payload(survivor={"name": NAME, "phone": PHONE, "sex": "x"}), format="json"
    )
    assert bad.status_code == 400
    api_client.force_authenticate(cc.ngo_worker)
    assert api_client.get(f"/api/v1/gbv/incidents/{ident}").status_code == 404
    for secret in SECRETS:
        assert secret not in caplog.text
        assert secret not in bad.content.decode()
