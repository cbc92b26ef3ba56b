"""Recompute the data values of forms' mapping rules (e.g. nightly, after the day's submissions)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from amahoro.collection import mapping
from amahoro.collection.models import MappingRule


class Command(BaseCommand):
    help = "Run the active mapping rules (all, or of --form) as --user (the policy applies to that user)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True, help="username whose permissions the run uses")
        parser.add_argument("--form", default="", help="form_id (default: every form)")

    def handle(self, *args: Any, **options: Any) -> None:
        user = get_user_model().objects.filter(username=options["user"], is_active=True).first()
        if user is None:
            raise CommandError(f"no active user {options['user']}")
        rules = MappingRule.objects.filter(is_active=True).select_related("form", "data_element")
        if options["form"]:
            rules = rules.filter(form__form_id=options["form"])
        for rule in rules:
            result = mapping.mapping_run(actor=user, rule=rule)
            self.stdout.write(
                f"{rule.form.form_id} / {rule.name}: {result.values} values, {result.deleted} deleted, "
                f"{len(result.skipped)} skipped, import {result.import_summary.get('status')}"
            )
