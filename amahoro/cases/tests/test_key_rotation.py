"""Key rotation while the site serves: the documented order never breaks a read, rotation never overwrites
an edit made meanwhile, and afterwards the new key alone opens every registered value and blob."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import override_settings

from amahoro.cases import services
from amahoro.cases.models import CaseNote, Incident
from amahoro.core import crypto, rotation

from .conftest import NAME, create

NEW = Fernet.generate_key().decode()


def _every_column_opens_with_the_newest_key_alone() -> list[rotation.ColumnReport]:
    return [r for r in rotation.rotate_all(check_only=True) if r.stale or r.undecryptable]


def test_documented_order_keeps_serving_and_ends_under_the_new_key(
    cc: Any, api_client: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = list(settings.FIELD_ENCRYPTION_KEYS)
    settings.FIELD_INDEX_KEY = "index-key-kept-apart"  # blind indexes outlive the encryption keys
    incidents = [create(cc.worker) for _ in range(3)]
    for incident in incidents:
        services.note_add(actor=cc.worker, incident=incident, kind="plan", text=f"Call {NAME}")
    api_client.force_authenticate(cc.supervisor)

    # Step 1: the new key goes in LAST on every host. Hosts still encrypt with the old key; a host that
    # already has the new key reads everything, and a host not yet restarted reads what the others write.
    with override_settings(FIELD_ENCRYPTION_KEYS=[*old, NEW]):
        assert api_client.get("/api/v1/gbv/incidents").status_code == 200
        services.note_add(actor=cc.worker, incident=incidents[0], kind="plan", text="written in step 1")
    assert CaseNote.objects.filter(incident=incidents[0]).count() == 2  # old-only host reads step 1's note

    # Step 2: the new key moves first (every host now holds both, so no host meets a value it cannot open).
    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW, *old]):
        with pytest.raises(CommandError, match="not under the newest key"):
            call_command("rotate_field_keys", "--check", stdout=StringIO())

        edited = incidents[0]  # the first row of cases.Incident.account in primary-key order
        real_rotate = crypto.rotate_token
        calls = {"n": 0}

        def rotate_while_an_app_host_edits(token: bytes) -> bytes:
            calls["n"] += 1
            if calls["n"] == 1:
                # Another host edits the case between the rotation's read and its write.
                with connection.cursor() as cursor:
                    cursor.execute(
                        "UPDATE cases_incident SET account = %s WHERE id = %s",
                        [crypto.encrypt("edited on another host"), edited.pk],
                    )
            return real_rotate(token)

        served: list[int] = []

        def serve(report: rotation.ColumnReport) -> None:
            served.append(api_client.get(f"/api/v1/gbv/incidents/{incidents[2].uuid}").status_code)

        account = next(c for c in crypto.encrypted_columns() if c.label == "cases.Incident.account")
        monkeypatch.setattr(crypto, "rotate_token", rotate_while_an_app_host_edits)
        report = rotation.rotate_column(account, batch_size=1, after_batch=serve)
        monkeypatch.undo()
        assert (report.changed_meanwhile, report.rotated) == (1, 2)
        reports = rotation.rotate_all(batch_size=1, after_batch=serve)
        assert served and set(served) == {200}
        assert sum(r.rotated for r in reports) > 0
        # Step 3 of the runbook: rotate again until --check says 0.
        call_command("rotate_field_keys", stdout=StringIO())
        out = StringIO()
        call_command("rotate_field_keys", "--check", stdout=out)
        assert "not under the newest key: 0" in out.getvalue()

    # Step 4: the old key goes. The new key alone opens every registered value and blob.
    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW]):
        assert _every_column_opens_with_the_newest_key_alone() == []
        assert Incident.objects.get(pk=edited.pk).account == "edited on another host"  # the edit won
        assert Incident.objects.get(pk=incidents[2].pk).survivor.identity["name"] == NAME
        assert api_client.get("/api/v1/gbv/incidents").status_code == 200


def test_a_value_no_key_opens_is_reported_not_skipped_silently(cc: Any, settings: Any) -> None:
    incident = create(cc.worker)
    stranger = Fernet.generate_key().decode()
    with override_settings(FIELD_ENCRYPTION_KEYS=[stranger]), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE cases_incident SET account = %s WHERE id = %s", [crypto.encrypt("lost"), incident.pk]
        )
    out = StringIO()
    with pytest.raises(CommandError, match="could not be decrypted"):
        call_command("rotate_field_keys", stdout=out)
    assert f"NOT DECRYPTABLE with any configured key (pk {incident.pk})" in out.getvalue()


def test_a_rotation_that_stopped_half_way_resumes(cc: Any, settings: Any) -> None:
    old = list(settings.FIELD_ENCRYPTION_KEYS)
    for _ in range(4):
        create(cc.worker)
    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW, *old]):
        column = next(c for c in crypto.encrypted_columns() if c.label == "cases.Incident.account")

        class Stop(Exception):
            pass

        def stop_after_two(report: rotation.ColumnReport) -> None:
            if report.rotated == 2:
                raise Stop

        with pytest.raises(Stop):
            rotation.rotate_column(column, batch_size=1, after_batch=stop_after_two)
        again = rotation.rotate_column(column, batch_size=1)
        assert (again.current, again.rotated) == (2, 2)  # the first two were kept, not redone
        assert rotation.rotate_column(column, check_only=True).stale == 0
