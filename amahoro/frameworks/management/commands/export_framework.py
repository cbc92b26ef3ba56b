"""amahoro export_framework CODE --format yaml|json|xlsx -o FILE: a framework with its nodes, indicators,
targets and links, in the shape import_framework reads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from amahoro import policy
from amahoro.core.cli import service_errors
from amahoro.frameworks.interchange import EXPORT_FORMATS, framework_export
from amahoro.frameworks.models import Framework


class Command(BaseCommand):
    help = "Export a results framework as YAML, JSON or the XLSX template"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code")
        parser.add_argument("--format", dest="fmt", choices=sorted(EXPORT_FORMATS), default="yaml")
        parser.add_argument(
            "-o", "--output", help="file to write (default: standard output; required for xlsx)"
        )

    def handle(self, *args: Any, code: str, fmt: str, output: str | None, **options: Any) -> None:
        fw = Framework.objects.filter(code=code).first()
        if fw is None:
            raise CommandError(f"unknown framework '{code}'")
        if fmt == "xlsx" and not output:
            raise CommandError("--format xlsx needs -o FILE")
        with service_errors():
            content, _, _ = framework_export(actor=policy.SYSTEM, framework=fw, fmt=fmt)
        if output:
            try:
                Path(output).write_bytes(content)
            except OSError as exc:
                raise CommandError(f"cannot write {output}: {exc.strerror}") from None
            self.stdout.write(self.style.SUCCESS(f"{fw.code} written to {output}"))
        else:
            self.stdout.write(content.decode(), ending="")
