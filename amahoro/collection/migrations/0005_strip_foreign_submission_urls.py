"""Forms stored before settings/submission_url was refused keep sending finalised records to the server
they name. Remove that `action` from every stored form and version (its md5 changes, so field clients
download the corrected form), unless COLLECTION_SUBMISSION_URLS allows that URL for the form's organisation.
The rest of the <submission> element (method, an encrypted form's public key) stays."""

from __future__ import annotations

import hashlib
import html
import re
from typing import Any

from django.conf import settings
from django.db import migrations

_ACTION = re.compile(r"(<submission\b[^>]*?)\s+action\s*=\s*(\"[^\"]*\"|'[^']*')", re.S)


def strip_actions(xml: str, allowed: set[str]) -> str:
    def replace(match: re.Match[str]) -> str:
        url = html.unescape(match.group(2)[1:-1]).strip()
        return match.group(0) if url in allowed else match.group(1)

    return _ACTION.sub(replace, xml)


def _md5(xml: str) -> str:
    return hashlib.md5(xml.encode(), usedforsecurity=False).hexdigest()


def forward(apps: Any, schema_editor: Any) -> None:
    allowed_by_org = getattr(settings, "COLLECTION_SUBMISSION_URLS", {}) or {}
    XForm = apps.get_model("collection", "XForm")
    FormVersion = apps.get_model("collection", "FormVersion")
    for model, org_path in ((XForm, "organisation__code"), (FormVersion, "form__organisation__code")):
        rows = model.objects.filter(xml__contains="<submission").values_list("pk", "xml", org_path)
        for pk, xml, org_code in rows.iterator():
            fixed = strip_actions(xml, set(allowed_by_org.get(org_code) or ()))
            if fixed != xml:
                model.objects.filter(pk=pk).update(xml=fixed, md5=_md5(fixed))


class Migration(migrations.Migration):
    dependencies = [("collection", "0004_backfill_media_expected")]

    # Not reversible in content: the foreign URL is gone on purpose (reversing leaves the forms as they are).
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
