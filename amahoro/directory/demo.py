"""Service-directory demo data for `amahoro load_demo` (registered in DirectoryConfig.ready): the providers of
the demo organisations (Isange One Stop Centres, police stations, MAJ legal aid, a psychosocial NGO and
RWAMREC's male-engagement programme). Idempotent: a provider is found again by its organisation and name."""

from __future__ import annotations

from typing import Any

from amahoro.core.demo import RWAMREC_ABSENT, DemoResult
from amahoro.geo.models import OrgUnit
from amahoro.organisations.models import Organisation

from . import services
from .models import ServiceProvider

# (organisation, name, services, org unit, areas served, phone, hours, languages); () areas = the
# organisation's own areas.
PROVIDERS: tuple[tuple[str, str, tuple[str, ...], str, tuple[str, ...], str, str, tuple[str, ...]], ...] = (
    (
        "ISANGE-KACYIRU",
        "Isange One Stop Centre Kacyiru",
        ("health", "psychosocial", "police", "legal", "safe_house"),
        "12",
        ("11", "12", "13"),
        "3512",
        "24/7",
        ("rw", "en", "fr"),
    ),
    (
        "ISANGE-HUYE",
        "Isange One Stop Centre Huye",
        ("health", "psychosocial", "police", "legal"),
        "24",
        ("24",),
        "3512",
        "24/7",
        ("rw", "fr"),
    ),
    (
        "RNP",
        "RNP Gasabo station (Isange desk)",
        ("police",),
        "12",
        ("12",),
        "112",
        "24/7; toll-free 3512",
        ("rw", "en"),
    ),
    (
        "RNP",
        "RNP Nyarugenge station",
        ("police",),
        "11",
        ("11",),
        "112",
        "24/7",
        ("rw", "fr"),
    ),
    (
        "MINIJUST",
        "MAJ Gasabo (Maison d'Accès à la Justice)",
        ("legal",),
        "12",
        ("12",),
        "",
        "Mon-Fri 8:00-17:00",
        ("rw", "fr", "en"),
    ),
    (
        "HUMURA-PSY",
        "Humura counselling centre Kimironko",
        ("psychosocial",),
        "12",
        ("11", "12", "13"),
        "",
        "Mon-Sat 8:00-18:00",
        ("rw", "en"),
    ),
    (
        "RWAMREC",
        "RWAMREC men's engagement programme",
        ("male_engagement",),
        "",
        (),
        "",
        "Community sessions by appointment",
        ("rw",),
    ),
)


def directory_demo_step(result: DemoResult, actor: Any) -> None:
    created = 0
    for org_code, name, kinds, unit_code, area_codes, phone, hours, languages in PROVIDERS:
        org = Organisation.objects.filter(code=org_code).first()
        if org is None or ServiceProvider.objects.filter(organisation=org, name=name).exists():
            continue
        if area_codes:
            areas = list(OrgUnit.objects.filter(code__in=area_codes))
        else:
            areas = list(org.areas.exclude(code__in=RWAMREC_ABSENT))
        services.provider_create(
            actor=actor,
            organisation=org,
            name=name,
            services=list(kinds),
            org_unit=OrgUnit.objects.filter(code=unit_code).first() if unit_code else None,
            areas=areas,
            phone=phone,
            hours=hours,
            languages=list(languages),
        )
        created += 1
    result.notes.append(f"directory: {created} demo service providers created ({len(PROVIDERS)} in all)")
