"""Re-encrypt every encrypted value and blob with the newest FIELD_ENCRYPTION_KEYS key, or (--check) count
what is not under it yet. See docs/security.md for the zero-downtime order of key changes."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from amahoro.core import rotation


class Command(BaseCommand):
    help = (
        "Re-encrypt identifying data and files with the newest key in FIELD_ENCRYPTION_KEYS (resumable, in "
        "batches, never overwriting a concurrent edit); --check counts what is not under the newest key."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--check",
            action="store_true",
            help="Change nothing; print how many values and blobs are not under the newest key, exit 1 if any.",
        )
        parser.add_argument("--batch-size", type=int, default=500, help="Rows per transaction (default 500).")

    def handle(self, *args: Any, **options: Any) -> None:
        check = bool(options["check"])
        batch_size = int(options["batch_size"])
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")

        def progress(report: rotation.ColumnReport) -> None:
            if options["verbosity"] > 1:
                self.stderr.write(f"  {report.label}: {report.total} seen, {report.rotated} re-encrypted")

        reports = rotation.rotate_all(batch_size=batch_size, check_only=check, after_batch=progress)
        stale = undecryptable = 0
        for r in reports:
            stale += r.stale
            undecryptable += len(r.undecryptable)
            line = f"{r.label}: {r.total} values, {r.current} already under the newest key"
            if not check:
                line += f", {r.rotated} re-encrypted"
            if r.changed_meanwhile:
                line += f", {r.changed_meanwhile} edited meanwhile (left to the edit; run again)"
            if r.undecryptable:
                line += f", {len(r.undecryptable)} NOT DECRYPTABLE with any configured key (pk {', '.join(r.undecryptable[:5])})"
            self.stdout.write(line)
        if check:
            self.stdout.write(f"not under the newest key: {stale}")
            if stale:
                raise CommandError(
                    f"{stale} values or blobs are not under the newest key: run rotate_field_keys"
                )
            return
        self.stdout.write(
            f"done: {sum(r.rotated for r in reports)} re-encrypted, {stale} still not under the newest key"
        )
        if undecryptable:
            raise CommandError(
                f"{undecryptable} values could not be decrypted with any configured key: restore the key "
                "that wrote them before removing anything"
            )
