"""Bind the release-of-information consents recorded before recipients were named (service type only).

Conservative on purpose: an old release is bound to an organisation only when exactly one organisation
had been sent a referral of that service type for that incident when this migration ran (it has already
seen what the consent released, and it is the recipient the consent can only have meant). With several
such organisations, or none, the consent stays unbound and releases nothing to anyone: the case worker
asks the survivor again and records a release naming the recipient. Either way, no old consent covers a
recipient added later. See docs/security.md ("Consent to release information names its recipient").
"""

from __future__ import annotations

from typing import Any

from django.db import migrations
from django.db.models import F


def bind(apps: Any, schema_editor: Any) -> None:
    Consent = apps.get_model("cases", "Consent")
    Service = apps.get_model("cases", "Service")
    legacy = Consent.objects.filter(purpose="release", recipient__isnull=True).exclude(service="")
    for consent in legacy.iterator(chunk_size=500):
        providers = set(
            Service.objects.filter(incident_id=consent.incident_id, type=consent.service, provider__isnull=False)
            .exclude(provider_id=F("incident__organisation_id"))
            .values_list("provider_id", flat=True)
        )
        if len(providers) == 1:
            Consent.objects.filter(pk=consent.pk).update(recipient_id=providers.pop())


class Migration(migrations.Migration):
    dependencies = [("cases", "0002_consent_recipient")]

    # Backwards: nothing to undo here (reversing 0002 drops the column).
    operations = [migrations.RunPython(bind, migrations.RunPython.noop)]
