"""No personal or case data on the public portal: with the whole demo loaded (users, contacts, GBV cases,
programme participants, an anonymous civil-society assessment), no page and no download contains a
username, a person's name, an e-mail address, a phone number, a survivor or participant code, or the
name of the organisation that asked to stay anonymous."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.apps import apps
from django.core.cache import cache
from django.test import Client

pytestmark = pytest.mark.django_db

EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
PHONE = re.compile(r"(?:\+?250|07)\d{7,9}")


def _personal_strings() -> set[str]:
    from amahoro.accounts.models import User
    from amahoro.organisations.models import Contact, Organisation

    found: set[str] = set()
    for u in User.objects.all():
        found |= {u.username, u.email, u.get_full_name()}
    for c in Contact.objects.all():
        found |= {c.name, c.email, c.phone}
    for o in Organisation.objects.all():
        found |= {o.email, o.phone}
    # The organisation that asked to stay anonymous in the demo consultation.
    anonymous = Organisation.objects.get(code="DEMO-WPS-NETWORK")
    found |= {anonymous.name, anonymous.short_name, anonymous.code}
    if apps.is_installed("amahoro.cases"):
        survivor = apps.get_model("cases", "Survivor")
        for s in survivor.objects.all():
            found.add(s.code)
            found |= {str(v) for v in (s.identity or {}).values() if v}
    if apps.is_installed("amahoro.programmes"):
        participant = apps.get_model("programmes", "Participant")
        for p in participant.objects.all():
            found |= {p.code, p.name_enc, p.phone}
    # Short strings (an empty phone, a two-letter value) would match by accident.
    return {s for s in found if s and len(s) >= 6}


def test_no_page_or_download_names_anyone(db: Any) -> None:
    from amahoro.consultations.models import ConsultationRound
    from amahoro.portal.downloads import DATASETS
    from amahoro.site import demo

    demo.demo_load()
    cache.clear()
    personal = _personal_strings()
    assert len(personal) > 20  # the demo's people really are in the database
    rnd = ConsultationRound.objects.get(published_at__isnull=False)
    urls = ["/public/", "/public/participation/", f"/public/consultations/{rnd.uuid}/"]
    urls += [f"/public/data/{name}.{fmt}" for name in DATASETS for fmt in ("csv", "json")]
    client = Client()
    for url in urls:
        r = client.get(url)
        assert r.status_code == 200, url
        body = r.content.decode()
        leaks = sorted(s for s in personal if s in body)
        assert leaks == [], f"{url} shows {leaks}"
        assert not EMAIL.search(body), f"{url} shows an e-mail address"
        assert not PHONE.search(body), f"{url} shows a phone number"
    # The published round is really on the pages (the test would pass on empty pages otherwise).
    assert rnd.title in client.get("/public/").content.decode()
    assert (
        "Anonymous civil-society organisation"
        in client.get(f"/public/consultations/{rnd.uuid}/").content.decode()
    )
