"""Re-encrypt every encrypted field with the newest FIELD_ENCRYPTION_KEYS key (after adding a new key)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from amahoro.core import crypto


class Command(BaseCommand):
    help = (
        "Re-encrypt identifying data with the newest key in FIELD_ENCRYPTION_KEYS; then the old key can go."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        total = 0
        for model, names in crypto.encrypted_fields():
            manager = model._default_manager
            done = 0
            with transaction.atomic():
                # values_list decrypts (with any key); update() encrypts with the newest. No save(): no
                # timestamps or signals touched by a key change.
                for pk, *values in manager.values_list("pk", *names).iterator(chunk_size=500):
                    manager.filter(pk=pk).update(**dict(zip(names, values, strict=True)))
                    done += 1
            total += done
            self.stdout.write(f"{model._meta.db_table}: {done} rows re-encrypted ({', '.join(names)})")
        self.stdout.write(f"done: {total} rows")
