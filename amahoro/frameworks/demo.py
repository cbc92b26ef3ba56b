"""Results-framework demo data for `amahoro load_demo` (registered as a demo step in FrameworksConfig.ready).

It loads the NAP 1325 reference framework, then an RWAMREC strategic plan 2022-2026 whose men-and-boys
outcome contributes to NAP outcome P2.O1, with Sex-disaggregated data elements (metadata import),
indicators with baselines and yearly targets (framework import), and monthly values for 2023-2025 in the
NGO's districts entered by the demo M&E officer (data value import). The numbers are invented, from a
seeded generator, so every run produces the same values: a second run finds them and changes nothing.
"""

from __future__ import annotations

import random
from typing import Any

from amahoro import policy
from amahoro.accounts.models import User
from amahoro.core.demo import RWAMREC_ABSENT, DemoResult
from amahoro.core.errors import ValidationFailed
from amahoro.core.i18n import name_translations
from amahoro.data.services import datavalues_import
from amahoro.geo.models import OrgUnit
from amahoro.metadata.importer import metadata_import
from amahoro.policy import Actor

NGO = "RWAMREC"
FRAMEWORK_CODE = "RWAMREC-SP-2022-2026"
DATA_ENTRY_USER = "me_officer"
SEED = 2026
YEARS = (2023, 2024, 2025)
TARGET_DISTRICTS = ("12", "24", "43")  # Gasabo, Huye, Musanze

SEX_METADATA: dict[str, Any] = {
    "categoryOptions": [
        {
            "code": "F",
            "name": "Female",
            "translations": [
                {"property": "NAME", "locale": "fr", "value": "Femme"},
                {"property": "NAME", "locale": "rw", "value": "Gore"},
            ],
        },
        {
            "code": "M",
            "name": "Male",
            "translations": [
                {"property": "NAME", "locale": "fr", "value": "Homme"},
                {"property": "NAME", "locale": "rw", "value": "Gabo"},
            ],
        },
    ],
    "categories": [{"code": "SEX", "name": "Sex", "categoryOptions": [{"code": "F"}, {"code": "M"}]}],
    "categoryCombos": [{"code": "SEX", "name": "Sex", "categories": [{"code": "SEX"}]}],
}

DATA_ELEMENTS: dict[str, Any] = {
    "dataElements": [
        {
            "code": "RWAMREC_PARTICIPANTS",
            "name": "Couples' dialogue and male-engagement session participants reached",
            "shortName": "Participants reached",
            "valueType": "INTEGER_ZERO_OR_POSITIVE",
            "aggregationType": "SUM",
            "categoryCombo": {"code": "SEX"},
        },
        {
            "code": "RWAMREC_SESSIONS",
            "name": "Community dialogue sessions held",
            "shortName": "Sessions held",
            "valueType": "INTEGER_ZERO_OR_POSITIVE",
            "aggregationType": "SUM",
        },
        {
            "code": "RWAMREC_REFERRALS",
            "name": "GBV cases referred to Isange One Stop Centres and the police",
            "shortName": "GBV cases referred",
            "valueType": "INTEGER_ZERO_OR_POSITIVE",
            "aggregationType": "SUM",
            "categoryCombo": {"code": "SEX"},
        },
    ]
}

# The demo's names (and its framework's description) in French and Kinyarwanda, by English text.
DEMO_NAMES: dict[str, tuple[str, str]] = {
    "Sex": ("Sexe", "Igitsina"),
    "Couples' dialogue and male-engagement session participants reached": (
        "Participants aux dialogues de couple et aux séances d’engagement des hommes",
        "Abitabiriye ibiganiro by’abashakanye n’amasomo yo kwegera abagabo",
    ),
    "Community dialogue sessions held": (
        "Séances de dialogue communautaire tenues",
        "Ibiganiro by’abaturage byabaye",
    ),
    "GBV cases referred to Isange One Stop Centres and the police": (
        "Cas de VBG orientés vers les centres Isange One Stop et la police",
        "Ibibazo by’ihohoterwa rishingiye ku gitsina byoherejwe kuri Isange One Stop Centres no kuri polisi",
    ),
    "RWAMREC strategic plan 2022-2026": (
        "Plan stratégique de RWAMREC 2022-2026",
        "Igenamigambi rya RWAMREC 2022-2026",
    ),
    "Demo results framework of a male-engagement NGO (invented targets and values).": (
        "Cadre de résultats de démonstration d’une ONG d’engagement des hommes (cibles et valeurs inventées).",
        "Urwego rw’ibipimo by’icyitegererezo rw’umuryango utegamiye kuri Leta wegera abagabo (intego n’imibare "
        "by’igihimbano).",
    ),
    "Families and communities in Rwanda live free from gender-based violence": (
        "Les familles et les communautés du Rwanda vivent sans violences basées sur le genre",
        "Imiryango n’abaturage b’u Rwanda babaho nta hohoterwa rishingiye ku gitsina",
    ),
    "Men and boys adopt gender-equitable attitudes and non-violent behaviour": (
        "Les hommes et les garçons adoptent des attitudes équitables envers les femmes et un comportement non violent",
        "Abagabo n’abahungu bagira imyumvire iha agaciro uburinganire n’imyitwarire itarimo urugomo",
    ),
    "Couples and men reached through dialogue and fatherhood sessions": (
        "Couples et hommes atteints par les séances de dialogue et de paternité",
        "Abashakanye n’abagabo bagezweho binyuze mu biganiro n’amasomo ku bubyeyi",
    ),
    "Community dialogue sessions held by trained male role models": (
        "Séances de dialogue communautaire animées par des hommes modèles formés",
        "Ibiganiro by’abaturage biyobowe n’abagabo b’intangarugero bahuguwe",
    ),
    "Survivors of GBV are referred to and reach response services": (
        "Les survivantes et survivants de VBG sont orientés vers les services de prise en charge et y accèdent",
        "Abahohotewe boherezwa kandi bakagera kuri serivisi zibitaho",
    ),
    "GBV cases identified in the community referred to Isange and RNP": (
        "Cas de VBG repérés dans la communauté orientés vers Isange et la Police nationale",
        "Ibibazo by’ihohoterwa bigaragaye mu baturage byoherejwe kuri Isange no kuri Polisi y’u Rwanda",
    ),
    "Number of people reached by male-engagement sessions": (
        "Nombre de personnes atteintes par les séances d’engagement des hommes",
        "Umubare w’abantu bagezweho n’amasomo yo kwegera abagabo",
    ),
    "Number of men reached by male-engagement sessions": (
        "Nombre d’hommes atteints par les séances d’engagement des hommes",
        "Umubare w’abagabo bagezweho n’amasomo yo kwegera abagabo",
    ),
    "Number of community dialogue sessions held": (
        "Nombre de séances de dialogue communautaire tenues",
        "Umubare w’ibiganiro by’abaturage byabaye",
    ),
    "Number of GBV cases referred to response services": (
        "Nombre de cas de VBG orientés vers les services de prise en charge",
        "Umubare w’ibibazo by’ihohoterwa byoherejwe kuri serivisi zibitaho",
    ),
}


def _translated(item: Any) -> Any:
    """`item` with name_fr/name_rw (and description_fr/_rw) beside every name (description) DEMO_NAMES knows."""
    if isinstance(item, list):
        return [_translated(x) for x in item]
    if not isinstance(item, dict):
        return item
    out = {k: _translated(v) for k, v in item.items()}
    for key in ("name", "description"):
        if out.get(key) in DEMO_NAMES:
            out[f"{key}_fr"], out[f"{key}_rw"] = DEMO_NAMES[out[key]]
    return out


def _metadata_translated(payload: dict[str, Any]) -> dict[str, Any]:
    """A metadata payload with DHIS2 `translations` on every entry whose name DEMO_NAMES knows."""
    return {
        kind: [
            {**e, "translations": name_translations(*DEMO_NAMES[e["name"]])}
            if e.get("name") in DEMO_NAMES
            else e
            for e in entries
        ]
        for kind, entries in payload.items()
    }


BASELINE_DATE = "2021-12-31"


def _indicator(
    code: str,
    name: str,
    numerator: str,
    nodes: str,
    baseline: float,
    national: tuple[int, int, int],
    district: tuple[int, int, int] | None = None,
    unit: str = "",
) -> dict[str, Any]:
    targets = [
        {"org_unit": "RW", "period": str(year), "value": value}
        for year, value in zip(YEARS, national, strict=True)
    ]
    if district is not None:
        targets += [
            {"org_unit": ou, "period": str(year), "value": value}
            for ou in TARGET_DISTRICTS
            for year, value in zip(YEARS, district, strict=True)
        ]
    return {
        "code": code,
        "name": name,
        "type": "count",
        "unit": unit,
        "direction": "higher",
        "aggregation_time": "sum",
        "aggregation_place": "sum",
        "numerator": numerator,
        "baseline": {"value": baseline, "date": BASELINE_DATE},
        "data_source": "RWAMREC monthly activity reports",
        "nodes": nodes,
        "targets": targets,
    }


FRAMEWORK: dict[str, Any] = {
    "framework": {
        "code": FRAMEWORK_CODE,
        "name": "RWAMREC strategic plan 2022-2026",
        "description": "Demo results framework of a male-engagement NGO (invented targets and values).",
        "organisation": NGO,
        "org_unit": "RW",
        "start": "2022-01-01",
        "end": "2026-12-31",
        "is_public": True,
        "goals": [
            {
                "code": "G1",
                "name": "Families and communities in Rwanda live free from gender-based violence",
                "outcomes": [
                    {
                        "code": "O1",
                        "name": "Men and boys adopt gender-equitable attitudes and non-violent behaviour",
                        "outputs": [
                            {
                                "code": "OP1.1",
                                "name": "Couples and men reached through dialogue and fatherhood sessions",
                            },
                            {
                                "code": "OP1.2",
                                "name": "Community dialogue sessions held by trained male role models",
                            },
                        ],
                    },
                    {
                        "code": "O2",
                        "name": "Survivors of GBV are referred to and reach response services",
                        "outputs": [
                            {
                                "code": "OP2.1",
                                "name": "GBV cases identified in the community referred to Isange and RNP",
                            }
                        ],
                    },
                ],
            }
        ],
        "indicators": [
            _indicator(
                "RWAMREC_IND_REACHED",
                "Number of people reached by male-engagement sessions",
                "#{RWAMREC_PARTICIPANTS}",
                "O1, OP1.1",
                baseline=12000,
                national=(18000, 20000, 22000),
                district=(650, 700, 750),
                unit="people",
            ),
            _indicator(
                "RWAMREC_IND_MEN_REACHED",
                "Number of men reached by male-engagement sessions",
                "#{RWAMREC_PARTICIPANTS.M}",
                "O1",
                baseline=7000,
                national=(14000, 15000, 16000),
                unit="men",
            ),
            _indicator(
                "RWAMREC_IND_SESSIONS",
                "Number of community dialogue sessions held",
                "#{RWAMREC_SESSIONS}",
                "OP1.2",
                baseline=900,
                national=(1400, 1500, 1600),
                district=(40, 44, 48),
                unit="sessions",
            ),
            _indicator(
                "RWAMREC_IND_REFERRALS",
                "Number of GBV cases referred to response services",
                "#{RWAMREC_REFERRALS}",
                "O2, OP2.1",
                baseline=500,
                national=(800, 850, 900),
                unit="cases",
            ),
        ],
        "links": [
            {
                "source": "O1",
                "target": {"framework": "RW-NAP1325-2018", "node": "P2.O1"},
                "note": "Male engagement raises public awareness on GBV",
            },
            {
                "source": "O2",
                "target": {"framework": "RW-NAP1325-2018", "node": "P2.O2"},
                "note": "Community referral of GBV cases",
            },
        ],
    }
}


def demo_values(districts: list[str]) -> list[dict[str, str]]:
    """Monthly values for 2023-01..2025-12 in `districts` (codes, sorted), the same on every call."""
    rng = random.Random(SEED)  # invented demo numbers, not security
    rows: list[dict[str, str]] = []
    for ou in districts:
        size = rng.uniform(0.7, 1.3)  # some districts are busier than others
        for y, year in enumerate(YEARS):
            growth = 1 + 0.1 * y
            for month in range(1, 13):
                period = f"{year}{month:02d}"
                cells = (
                    ("RWAMREC_PARTICIPANTS", "F", rng.randint(15, 35) * size * growth),
                    ("RWAMREC_PARTICIPANTS", "M", rng.randint(25, 50) * size * growth),
                    ("RWAMREC_SESSIONS", "", rng.randint(2, 6) * size),
                    ("RWAMREC_REFERRALS", "F", rng.randint(0, 4) * size),
                    ("RWAMREC_REFERRALS", "M", rng.randint(0, 2) * size),
                )
                for de, coc, value in cells:
                    row = {"dataElement": de, "period": period, "orgUnit": ou, "value": str(round(value))}
                    if coc:
                        row["categoryOptionCombo"] = coc
                    rows.append(row)
    return rows


def _metadata_ensure(actor: Actor) -> None:
    from amahoro.organisations.models import Organisation

    ngo = Organisation.objects.get(code=NGO)
    for payload, owner in (
        (_metadata_translated(SEX_METADATA), None),
        (_metadata_translated(DATA_ELEMENTS), ngo),
    ):
        # CREATE: objects already there (a second run, or a deployment's own Sex metadata) are left alone.
        report = metadata_import(actor=actor, payload=payload, import_strategy="CREATE", organisation=owner)
        if report.errors:
            raise ValidationFailed(f"demo metadata: {report.errors[0]['message']}")


def frameworks_demo_step(result: DemoResult, actor: Actor) -> None:
    """The NAP, the RWAMREC plan linked to it, and its monthly values (idempotent). Loading the demo is the
    platform acting on its own (`policy.SYSTEM`), whoever started it; the values are entered as the demo
    data clerk."""
    del actor  # the step protocol's argument: the demo acts as the platform

    from .interchange import framework_import, parse_document
    from .reference import load_nap_rw_2018

    load_nap_rw_2018()
    _metadata_ensure(policy.SYSTEM)
    report = framework_import(actor=policy.SYSTEM, bundle=parse_document(_translated(FRAMEWORK)))
    result.notes.append(f"frameworks: NAP 1325 loaded; {report.summary()}")
    clerk = User.objects.get(username=DATA_ENTRY_USER)
    districts = sorted(
        OrgUnit.objects.filter(level__code="district")
        .exclude(code__in=RWAMREC_ABSENT)
        .values_list("code", flat=True)
    )
    summary = datavalues_import(
        actor=clerk, payload={"dataValues": demo_values(districts)}, source="load_demo"
    )
    if summary.conflicts:
        first = summary.conflicts[0]
        raise ValidationFailed(f"demo data values: {first.value}: {first.object}")
    result.notes.append(
        f"data values: {summary.imported} imported, {summary.updated} updated, {summary.ignored} unchanged "
        f"({len(districts)} districts, {YEARS[0]}-01..{YEARS[-1]}-12, entered as {DATA_ENTRY_USER})"
    )
