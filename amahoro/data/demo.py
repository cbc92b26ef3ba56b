"""Demo content of the data app: a monthly RWAMREC activity report assigned to the Northern Province's
districts, with reports received on time, late and not at all over the last months, so that the
completeness page and the clerks' worklist show something (idempotent)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from amahoro import policy
from amahoro.core.demo import DemoResult
from amahoro.data import completeness, registrations, services
from amahoro.data.models import CompleteDataSetRegistration, DataSet
from amahoro.geo.models import OrgUnit
from amahoro.metadata import periods as period_lib
from amahoro.metadata.models import DataElement
from amahoro.organisations.models import Organisation
from amahoro.policy import Actor

CODE = "RWAMREC_MONTHLY"
NAME = "RWAMREC monthly activity report"
ELEMENTS = ("RWAMREC_PARTICIPANTS", "RWAMREC_SESSIONS", "RWAMREC_REFERRALS")
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


def data_demo_step(result: DemoResult, actor: Actor) -> None:
    del actor  # the demo acts as the platform
    owner = Organisation.objects.filter(code="RWAMREC").first()
    units = list(OrgUnit.objects.filter(code__in=DISTRICTS).order_by("code"))
    elements = list(DataElement.objects.filter(code__in=ELEMENTS))
    if owner is None or not units:
        return
    data_set = DataSet.objects.filter(code=CODE).first()
    if data_set is None:
        data_set = services.dataset_create(
            actor=policy.SYSTEM,
            code=CODE,
            name=NAME,
            data_elements=elements,
            period_type="Monthly",
            organisation=owner,
        )
    services.dataset_reporting_set(actor=policy.SYSTEM, data_set=data_set, org_units=units, timely_days=15)
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
