"""Django's makemessages with the catalogues sorted by message: moving code between files or apps (as the
layering of issue 12 did) then leaves the .po files unchanged, so a diff shows only strings that changed.
`make messages` runs it with --no-location."""

from __future__ import annotations

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    msgmerge_options = [*makemessages.Command.msgmerge_options, "--sort-output"]
    msguniq_options = [*makemessages.Command.msguniq_options, "--sort-output"]
    msgattrib_options = [*makemessages.Command.msgattrib_options, "--sort-output"]
    xgettext_options = [*makemessages.Command.xgettext_options, "--sort-output"]
