"""``amahoro dhis2_remote``: configure a remote DHIS2 and its mappings (system administrators' task).

    amahoro dhis2_remote add hmis --url https://hmis.example.org --token-env HMIS_TOKEN --run-as me_officer
    amahoro dhis2_remote map hmis dataElement GBV_CASES fbfJHSPpUQD
    amahoro dhis2_remote list

The token is read from the named environment variable, never from the command line (which `ps` shows).
"""

from __future__ import annotations

import json
import os
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from amahoro import policy
from amahoro.core.errors import AmahoroError


class Command(BaseCommand):
    help = "Configure remote DHIS2 instances (add, map, list)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="Create or update a remote")
        add.add_argument("name")
        add.add_argument("--url", required=True)
        add.add_argument("--token-env", required=True, help="Environment variable holding the access token")
        add.add_argument("--run-as", required=True, help="Username whose access decides what is exchanged")
        add.add_argument("--organisation", help="Owner organisation code")
        add.add_argument("--data-set", default="", help="Remote data set uid named on push")
        mapping = sub.add_parser("map", help="Map a local code to a remote uid")
        mapping.add_argument("name")
        mapping.add_argument("kind", choices=["dataElement", "orgUnit", "categoryOptionCombo"])
        mapping.add_argument("local_code")
        mapping.add_argument("remote_uid")
        sub.add_parser("list", help="List remotes and their mappings")

    def handle(self, *args: Any, **options: Any) -> None:
        from amahoro.accounts.models import User
        from amahoro.data import dhis2_sync
        from amahoro.data.models import RemoteDhis2
        from amahoro.organisations.selectors import organisation_by_code

        try:
            if options["action"] == "add":
                token = os.environ.get(options["token_env"], "")
                if not token:
                    raise CommandError(f"environment variable {options['token_env']} is empty")
                run_as = User.objects.filter(username=options["run_as"], is_active=True).first()
                if run_as is None:
                    raise CommandError(f"no active user '{options['run_as']}'")
                org = organisation_by_code(options.get("organisation"), required=False, active=False)
                saved = dhis2_sync.remote_save(
                    actor=policy.SYSTEM,
                    name=options["name"],
                    base_url=options["url"],
                    token=token,
                    run_as=run_as,
                    organisation=org,
                    data_set_uid=options["data_set"],
                )
                self.stdout.write(f"remote '{saved.name}' saved")
            elif options["action"] == "map":
                remote = RemoteDhis2.objects.filter(name=options["name"]).first()
                if remote is None:
                    raise CommandError(f"no remote DHIS2 named '{options['name']}'")
                dhis2_sync.mapping_set(
                    actor=policy.SYSTEM,
                    remote=remote,
                    kind=options["kind"],
                    local_code=options["local_code"],
                    remote_uid=options["remote_uid"],
                )
                self.stdout.write("mapping saved")
            else:
                for remote in RemoteDhis2.objects.select_related("run_as").prefetch_related("mappings"):
                    entry = {
                        "name": remote.name,
                        "url": remote.base_url,
                        "runAs": remote.run_as.username,
                        "enabled": remote.enabled,
                        "lastPushedAt": remote.last_pushed_at.isoformat() if remote.last_pushed_at else None,
                        "mappings": [[m.kind, m.local_code, m.remote_uid] for m in remote.mappings.all()],
                    }
                    self.stdout.write(json.dumps(entry))
        except AmahoroError as exc:
            raise CommandError(exc.message) from exc
