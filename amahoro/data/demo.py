"""Demo content of the data app (idempotent): two data sets a data clerk enters, and their checks.

- RWAMREC's monthly activity report, assigned to the Northern Province's districts (Musanze's clerk
  enters it), with new group members by sex and age group, and reports received on time, late and not at
  all over the last months, so that the completeness page and the clerks' worklist show something;
- a shared monthly "GBV services at Isange One Stop Centres" report (survivors received and given medical
  care by sex and age group, PEP within 72 hours, referrals to the police) for Gasabo, Huye and Musanze;
- validation rules over both (e.g. survivors given medical care are not more than survivors received)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from amahoro import policy
from amahoro.core.demo import DemoResult
from amahoro.core.errors import ValidationFailed
from amahoro.core.i18n import name_translations
from amahoro.data import completeness, registrations, services
from amahoro.data.models import CompleteDataSetRegistration, DataSet, ValidationRule
from amahoro.geo.models import OrgUnit
from amahoro.metadata import periods as period_lib
from amahoro.metadata.importer import metadata_import
from amahoro.metadata.models import DataElement
from amahoro.organisations.models import Organisation
from amahoro.policy import Actor

CODE = "RWAMREC_MONTHLY"
NAME = "RWAMREC monthly activity report"
ELEMENTS = ("RWAMREC_PARTICIPANTS", "RWAMREC_SESSIONS", "RWAMREC_REFERRALS", "RWAMREC_NEW_MEMBERS")
ISANGE_CODE = "ISANGE_MONTHLY"
ISANGE_NAME = "GBV services at Isange One Stop Centres (monthly)"
ISANGE_ELEMENTS = ("ISANGE_SURVIVORS", "ISANGE_MEDICAL_CARE", "ISANGE_PEP_72H", "ISANGE_REFERRED_POLICE")
# Gasabo (Isange Kacyiru), Huye (Isange Huye), Musanze (Ruhengeri hospital).
ISANGE_DISTRICTS = ("12", "24", "43")

# Shared: an age group category and the Sex x Age group combo (Sex comes from the frameworks demo step).
SEX_AGE_METADATA: dict[str, Any] = {
    "categoryOptions": [
        {
            "code": "AGE_U18",
            "name": "Under 18",
            "translations": name_translations("Moins de 18 ans", "Munsi y’imyaka 18"),
        },
        {
            "code": "AGE_18_24",
            "name": "18-24",
            "translations": name_translations("18-24 ans", "Imyaka 18-24"),
        },
        {
            "code": "AGE_25P",
            "name": "25 and over",
            "translations": name_translations("25 ans et plus", "Imyaka 25 kuzamura"),
        },
    ],
    "categories": [
        {
            "code": "AGE_GROUP",
            "name": "Age group",
            "translations": name_translations("Tranche d’âge", "Icyiciro cy’imyaka"),
            "categoryOptions": [{"code": "AGE_U18"}, {"code": "AGE_18_24"}, {"code": "AGE_25P"}],
        }
    ],
    "categoryCombos": [
        {
            "code": "SEX_AGE",
            "name": "Sex and age group",
            "translations": name_translations("Sexe et tranche d’âge", "Igitsina n’icyiciro cy’imyaka"),
            "categories": [{"code": "SEX"}, {"code": "AGE_GROUP"}],
        }
    ],
}


def _element(
    code: str, name: str, short_name: str, combo: str = "default", fr: str = "", rw: str = ""
) -> dict[str, Any]:
    return {
        "code": code,
        "name": name,
        "translations": name_translations(fr, rw),
        "shortName": short_name,
        "valueType": "INTEGER_ZERO_OR_POSITIVE",
        "aggregationType": "SUM",
        "categoryCombo": {"code": combo},
    }


ISANGE_METADATA: dict[str, Any] = {
    "dataElements": [
        _element(
            "ISANGE_SURVIVORS",
            "Survivors received at the Isange One Stop Centre",
            "Survivors received",
            "SEX_AGE",
            fr="Survivantes et survivants accueillis au centre Isange One Stop",
            rw="Abahohotewe bakiriwe kuri Isange One Stop Centre",
        ),
        _element(
            "ISANGE_MEDICAL_CARE",
            "Survivors given medical care",
            "Given medical care",
            "SEX_AGE",
            fr="Survivantes et survivants ayant reçu des soins médicaux",
            rw="Abahohotewe bahawe ubuvuzi",
        ),
        _element(
            "ISANGE_PEP_72H",
            "Survivors given PEP within 72 hours",
            "PEP within 72 h",
            fr="Survivantes et survivants ayant reçu la PEP dans les 72 heures",
            rw="Abahohotewe bahawe PEP mu masaha 72",
        ),
        _element(
            "ISANGE_REFERRED_POLICE",
            "Survivors referred to the police (RIB)",
            "Referred to RIB",
            fr="Survivantes et survivants orientés vers la police (RIB)",
            rw="Abahohotewe boherejwe kuri polisi (RIB)",
        ),
    ]
}
RWAMREC_METADATA: dict[str, Any] = {
    "dataElements": [
        _element(
            "RWAMREC_NEW_MEMBERS",
            "New members of men's dialogue groups",
            "New group members",
            "SEX_AGE",
            fr="Nouveaux membres des groupes de dialogue d’hommes",
            rw="Abanyamuryango bashya b’amatsinda y’ibiganiro by’abagabo",
        )
    ]
}
# (code, name, left, operator, right, importance, owner: RWAMREC or shared)
RULES = (
    (
        "ISANGE_CARE_LE_RECEIVED",
        "Survivors given medical care are not more than survivors received",
        "#{ISANGE_MEDICAL_CARE}",
        "<=",
        "#{ISANGE_SURVIVORS}",
        "HIGH",
        None,
    ),
    (
        "ISANGE_PEP_LE_RECEIVED",
        "Survivors given PEP are not more than survivors received",
        "#{ISANGE_PEP_72H}",
        "<=",
        "#{ISANGE_SURVIVORS}",
        "MEDIUM",
        None,
    ),
    (
        "RWAMREC_REFERRALS_LE_PARTICIPANTS",
        "GBV cases referred are not more than participants reached",
        "#{RWAMREC_REFERRALS}",
        "<=",
        "#{RWAMREC_PARTICIPANTS}",
        "LOW",
        "RWAMREC",
    ),
)
# Northern Province districts where RWAMREC works (Burera, 44, is not one): Rulindo, Gakenke, Musanze, Gicumbi.
DISTRICTS = ("41", "42", "43", "45")
MONTHS = 4
# Days after the month's end each district marked its report complete, oldest month first (None: not yet).
# Musanze (43), the demo clerk's district, was late once and still owes the last two months (so its
# worklist shows a late report whatever the day of the month).
PATTERN: dict[str, tuple[int | None, ...]] = {
    "41": (3, 10, 12, 5),
    "42": (14, 20, None, 9),
    "43": (8, 25, None, None),
    "45": (None, 15, 16, None),
}


def _metadata(owner: Organisation) -> None:
    """Sex x Age group, the Isange data elements (shared) and RWAMREC's new one: a second run changes nothing."""
    for payload, organisation in (
        (SEX_AGE_METADATA, None),
        (ISANGE_METADATA, None),
        (RWAMREC_METADATA, owner),
    ):
        report = metadata_import(actor=policy.SYSTEM, payload=payload, organisation=organisation)
        if report.errors:
            raise ValidationFailed(f"demo metadata: {report.errors[0]['message']}")


def _data_set(code: str, name: str, codes: tuple[str, ...], owner: Organisation | None) -> DataSet:
    elements = list(DataElement.objects.filter(code__in=codes))
    data_set = DataSet.objects.filter(code=code).first()
    if data_set is None:
        return services.dataset_create(
            actor=policy.SYSTEM,
            code=code,
            name=name,
            data_elements=elements,
            period_type="Monthly",
            organisation=owner,
        )
    return services.dataset_update(
        actor=policy.SYSTEM, data_set=data_set, name=name, period_type="Monthly", data_elements=elements
    )


def _rules() -> None:
    owners = {o.code: o for o in Organisation.objects.filter(code="RWAMREC")}
    for code, name, left, operator, right, importance, owner in RULES:
        if ValidationRule.objects.filter(code=code).exists():
            continue
        services.validation_rule_create(
            actor=policy.SYSTEM,
            code=code,
            name=name,
            left=left,
            operator=operator,
            right=right,
            importance=importance,
            organisation=owners.get(owner) if owner else None,
        )


def data_demo_step(result: DemoResult, actor: Actor) -> None:
    del actor  # the demo acts as the platform
    owner = Organisation.objects.filter(code="RWAMREC").first()
    units = list(OrgUnit.objects.filter(code__in=DISTRICTS).order_by("code"))
    if owner is None or not units:
        return
    _metadata(owner)
    data_set = _data_set(CODE, NAME, ELEMENTS, owner)
    services.dataset_reporting_set(actor=policy.SYSTEM, data_set=data_set, org_units=units, timely_days=15)
    isange = _data_set(ISANGE_CODE, ISANGE_NAME, ISANGE_ELEMENTS, None)
    services.dataset_reporting_set(
        actor=policy.SYSTEM,
        data_set=isange,
        org_units=list(OrgUnit.objects.filter(code__in=ISANGE_DISTRICTS)),
        timely_days=10,
    )
    _rules()
    today = completeness.today_local()
    last = period_lib.period_for_date("Monthly", today).previous()
    months = [last]
    while len(months) < MONTHS:
        months.insert(0, months[0].previous())
    now = timezone.now()
    made = 0
    for unit in units:
        for month, days in zip(months, PATTERN[unit.code], strict=True):
            if days is None:
                continue
            day = month.end + dt.timedelta(days=days)
            when = timezone.make_aware(dt.datetime.combine(day, dt.time(10, 0)))
            if when > now:
                continue  # not yet: the report is simply not in
            if CompleteDataSetRegistration.objects.filter(
                data_set=data_set, org_unit=unit, period__code=month.code
            ).exists():
                continue
            target = registrations.target_resolve(
                actor=policy.SYSTEM, data_set=data_set, org_unit=unit, period_code=month.code
            )
            registrations.registration_set(actor=policy.SYSTEM, target=target, date=when)
            made += 1
    result.notes.append(
        f"completeness: data set {CODE} assigned to {len(units)} districts, {made} reports registered "
        f"({months[0].code}..{months[-1].code}; see /data/completeness/)"
    )
    result.notes.append(
        f"data sets: {CODE} and {ISANGE_CODE} (Isange One Stop Centres: {', '.join(ISANGE_DISTRICTS)}), "
        f"{len(RULES)} validation rules; set them up at /setup/"
    )
