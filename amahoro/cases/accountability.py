"""Isange One Stop Centre accountability fed into NAP outcome P3.O2 (Rwanda NAP 1325, 2018-2022).

`accountability_setup` creates (once) eight shared data elements and four percentage indicators linked to
node P3.O2 of the NAP loaded by `amahoro load_reference nap-rw-2018`. `accountability_push` counts, for one
DHIS2 period, the incidents reported in it whose survivor consented to non-identifiable reporting, per
district, and writes the counts through the data import engine (`datavalues_import`: policy, audit and
value history), never as hand-written rows.

Small cells never leave the case module: per district, a group of counts (rape: reported, reported within
72 h, PEP within the PEP window; referrals: made, completed, due a reply (answered, or past their reply
time at the push), answered by the receiver within the reply time of their urgency) is written only when its denominator is 0 or
at least GBV_STATS_MIN_TOTAL (disclosure.py) and no count, and no complement of a numerator (e.g. rapes
not reported within 72 h), is 1-4. Periods shorter than GBV_STATS_MIN_PERIOD are refused, and when
GBV_STATS_MIN_ORG_LEVEL is above district level only provinces are written. The districts of a province left
out are added up and written at the province, under the same rule (a single district left out is never
written at the province: it would be the same small numbers). Values a place no longer qualifies for are
deleted on the next push, so a push is a full, idempotent replacement for its period.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from amahoro import policy
from amahoro.core.errors import PermissionDenied, ValidationFailed
from amahoro.core.i18n import name_translations
from amahoro.data.models import DataValue
from amahoro.data.services import datavalues_import
from amahoro.frameworks.models import Framework, Node
from amahoro.frameworks.reference import NAP_CODE, load_nap_rw_2018
from amahoro.frameworks.services import indicator_save
from amahoro.geo.models import OrgUnit
from amahoro.metadata import periods as period_lib
from amahoro.metadata.importer import metadata_import
from amahoro.metadata.models import DataElement
from amahoro.policy import Actor
from amahoro.roles import Perm

from . import classification as cl
from . import disclosure
from .models import Service
from .services import windows
from .statistics import DONE, MAX_MONTHS, incidents_for_statistics, scope_parse
from .suppression import THRESHOLD

NAP_NODE = "P3.O2"
SOURCE = "GBV case management (amahoro/cases accountability)"

RAPE = "GBV_RAPE_REPORTED"
RAPE_72H = "GBV_RAPE_REPORTED_72H"
PEP_72H = "GBV_PEP_GIVEN_72H"
REFERRALS = "GBV_REFERRALS"
REFERRALS_DONE = "GBV_REFERRALS_COMPLETED"
REFERRALS_ON_TIME = "GBV_REFERRALS_ANSWERED_ON_TIME"
# The timeliness denominator: referrals with a reply time that were answered or whose reply time had
# passed at the push (a referral still inside its reply time is neither on time nor late yet).
REFERRALS_REPLY_DUE = "GBV_REFERRALS_REPLY_DUE"

ELEMENTS: dict[str, str] = {
    RAPE: "Rape incidents reported (with reporting consent)",
    RAPE_72H: "Rape incidents reported within 72 hours of the incident",
    PEP_72H: "Rape survivors given PEP within 72 hours of the incident",
    REFERRALS: "GBV referrals to another organisation",
    REFERRALS_DONE: "GBV referrals completed (service provided or already received)",
    REFERRALS_ON_TIME: "GBV referrals answered by the receiver within the reply time of their urgency",
    REFERRALS_REPLY_DUE: "GBV referrals answered, or past their reply time without an answer",
}
# Their names in French and Kinyarwanda.
ELEMENT_NAMES: dict[str, tuple[str, str]] = {
    RAPE: (
        "Viols signalés (avec consentement au signalement)",
        "Ibirego by’ihohoterwa ryo gusambanya ku gahato byatanzwe (hari uruhushya rwo gutanga amakuru)",
    ),
    RAPE_72H: (
        "Viols signalés dans les 72 heures suivant les faits",
        "Ibirego by’ihohoterwa ryo gusambanya ku gahato byatanzwe mu masaha 72 nyuma y’ihohoterwa",
    ),
    PEP_72H: (
        "Survivantes de viol ayant reçu la PEP dans les 72 heures suivant les faits",
        "Abahohotewe basambanyijwe ku gahato bahawe PEP mu masaha 72 nyuma y’ihohoterwa",
    ),
    REFERRALS: (
        "Orientations VBG vers une autre organisation",
        "Abohererejwe undi muryango ku bijyanye n’ihohoterwa rishingiye ku gitsina",
    ),
    REFERRALS_DONE: (
        "Orientations VBG menées à terme (service fourni ou déjà reçu)",
        "Iyoherezwa ryarangiye (serivisi yatanzwe cyangwa yari yarahawe)",
    ),
    REFERRALS_ON_TIME: (
        "Orientations VBG auxquelles le destinataire a répondu dans le délai de leur urgence",
        "Iyoherezwa ryashubijwe n’uwoherejweho mu gihe cyagenwe bitewe n’uko byihutirwa",
    ),
    REFERRALS_REPLY_DUE: (
        "Orientations VBG ayant reçu une réponse ou dont le délai de réponse est passé",
        "Iyoherezwa ryashubijwe, cyangwa igihe cyo gusubiza cyarenze nta gisubizo",
    ),
}
# (denominator, numerators): the counts that are published, or hidden, together.
GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (RAPE, (RAPE_72H, PEP_72H)),
    (REFERRALS, (REFERRALS_DONE, REFERRALS_REPLY_DUE, REFERRALS_ON_TIME)),
)
# Numerators that are also the denominator of another (numerator: its denominator): their complement
# within it (e.g. referrals due a reply but not answered on time) obeys the 1-4 rule too.
NESTED: dict[str, str] = {REFERRALS_ON_TIME: REFERRALS_REPLY_DUE}


@dataclass(frozen=True)
class IndicatorDef:
    code: str
    name: str
    numerator: str
    denominator: str
    numerator_description: str
    denominator_description: str
    name_fr: str = ""
    name_rw: str = ""


INDICATORS = (
    IndicatorDef(
        "GBV_RAPE_REPORTED_72H_SHARE",
        "Share of rape survivors reporting within 72 hours of the incident",
        RAPE_72H,
        RAPE,
        "Rape incidents reported within 72 hours",
        "Rape incidents reported",
        name_fr="Part des survivantes de viol signalant les faits dans les 72 heures",
        name_rw="Igipimo cy’abahohotewe basambanyijwe ku gahato batanze ikirego mu masaha 72",
    ),
    IndicatorDef(
        "GBV_PEP_72H_SHARE",
        "Share of rape survivors given PEP within 72 hours of the incident",
        PEP_72H,
        RAPE,
        "Rape survivors given PEP within 72 hours",
        "Rape incidents reported",
        name_fr="Part des survivantes de viol ayant reçu la PEP dans les 72 heures suivant les faits",
        name_rw="Igipimo cy’abahohotewe basambanyijwe ku gahato bahawe PEP mu masaha 72 nyuma y’ihohoterwa",
    ),
    IndicatorDef(
        "GBV_REFERRAL_COMPLETION_SHARE",
        "Share of GBV referrals completed",
        REFERRALS_DONE,
        REFERRALS,
        "Referrals completed",
        "Referrals made",
        name_fr="Part des orientations VBG menées à terme",
        name_rw="Igipimo cy’iyoherezwa ryarangiye",
    ),
    IndicatorDef(
        "GBV_REFERRAL_TIMELY_REPLY_SHARE",
        "Share of GBV referrals answered by the receiving service within the reply time",
        REFERRALS_ON_TIME,
        REFERRALS,
        "Referrals accepted or declined within 24 h (urgent), 72 h (high) or 7 days (normal)",
        "Referrals answered, or past their reply time without an answer",
        name_fr="Part des orientations VBG auxquelles le service destinataire a répondu dans le délai",
        name_rw="Igipimo cy’iyoherezwa ryashubijwe na serivisi yoherejweho mu gihe cyagenwe",
    ),
)


def metadata_payload() -> dict[str, Any]:
    return {
        "dataElements": [
            {
                "code": code,
                "name": name,
                "shortName": name[:50],
                "translations": name_translations(*ELEMENT_NAMES[code]),
                "valueType": "INTEGER_ZERO_OR_POSITIVE",
                "aggregationType": "SUM",
                "zeroIsSignificant": True,
            }
            for code, name in ELEMENTS.items()
        ]
    }


@transaction.atomic
def accountability_setup(*, actor: Actor) -> list[str]:
    """Create (once) the accountability data elements and the P3.O2 indicators. Idempotent. Shared
    metadata: the platform (policy.SYSTEM) or a system administrator."""

    policy.check_actor(actor)
    if not policy.is_system_admin(actor):
        raise PermissionDenied(
            "accountability indicators are shared metadata: system administrators set them up"
        )
    load_nap_rw_2018()
    report = metadata_import(actor=actor, payload=metadata_payload(), import_strategy="CREATE")
    if report.errors:
        raise ValidationFailed(f"accountability metadata: {report.errors[0]['message']}")
    nap = Framework.objects.get(code=NAP_CODE)
    node = Node.objects.get(framework=nap, code=NAP_NODE)
    created = 0
    for ind in INDICATORS:
        _, new = indicator_save(
            actor=actor,
            code=ind.code,
            framework=nap,
            nodes=[node],
            name=ind.name,
            name_fr=ind.name_fr,
            name_rw=ind.name_rw,
            type="percentage",
            unit="%",
            direction="higher",
            aggregation_time="sum",
            aggregation_place="sum",
            numerator=f"#{{{ind.numerator}}}",
            numerator_description=ind.numerator_description,
            denominator=f"#{{{ind.denominator}}}",
            denominator_description=ind.denominator_description,
            factor=100,
            decimals=1,
            data_source=SOURCE,
        )
        created += new
    return [
        f"accountability: {len(ELEMENTS)} data elements, {created} indicators created, linked to {NAP_NODE}"
    ]


# ---------------------------------------------------------------------------------------------------------
# The push


@dataclass
class PushResult:
    period: str
    provinces: list[str] = field(default_factory=list)
    incidents: int = 0
    written: dict[str, int] = field(default_factory=dict)  # org unit code -> values written there
    suppressed: list[str] = field(default_factory=list)  # "<org unit>:<group>" left out
    imported: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0

    def as_dict(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        min_total = disclosure.rule().min_total
        out["incidents"] = f"<{min_total}" if 0 < self.incidents < min_total else self.incidents
        return out


def _small(n: int) -> bool:
    return 0 < n < THRESHOLD


def _publishable(c: dict[str, int], denominator: str, numerators: tuple[str, ...]) -> bool:
    """publishable(), plus the 1-4 rule on the complement of a nested numerator within its own
    denominator."""
    if not publishable(c[denominator], [c[n] for n in numerators]):
        return False
    return not any(_small(c[inner] - c[n]) for n, inner in NESTED.items() if n in numerators)


def publishable(denominator: int, numerators: list[int]) -> bool:
    """A denominator of 0 or at least the minimum total, and no count or complement of a numerator from 1
    to 4."""
    if _small(denominator) or 0 < denominator < disclosure.rule().min_total:
        return False
    return not any(_small(n) or _small(denominator - n) for n in numerators)


def _parts(path: str) -> list[str]:
    return [p for p in path.split("/") if p]


def _provinces_for(actor: Actor) -> list[OrgUnit]:
    """The provinces whose whole subtree the actor may count (case.statistics) and enter data for."""
    out = []
    for unit in OrgUnit.objects.filter(path__regex=r"^/[^/]+/[^/]+/$").order_by("path"):
        if policy.can_in(actor, Perm.CASE_STATISTICS, org_unit=unit.path) and policy.can_in(
            actor, Perm.DATA_ENTER, org_unit=unit.path
        ):
            out.append(unit)
    return out


def _check_period(period: str) -> period_lib.Period:

    try:
        p = period_lib.parse_period(period)
    except period_lib.InvalidPeriod as exc:
        raise ValidationFailed(str(exc), field="period") from None
    disclosure.check_push_period(p)
    other = (
        DataValue.objects.filter(
            data_element__code__in=list(ELEMENTS),
            deleted=False,
            period__start__lte=p.end,
            period__end__gte=p.start,
        )
        .exclude(period__code=p.code)
        .values_list("period__code", flat=True)
        .first()
    )
    if other:
        # Overlapping periods would be added up twice by the indicators, and subtracting one from the
        # other could reveal a small cell.
        raise ValidationFailed(
            f"accountability values already exist for the overlapping period {other}: "
            "push one period type only (e.g. always months)",
            field="period",
        )
    return p


def _counts(rows: list[dict[str, Any]], now: datetime | None = None) -> dict[str, dict[str, int]]:
    """{district code: {data element code: count}} for the incidents given, referral timeliness as at
    `now` (the push)."""
    now = now or timezone.now()
    win = windows()
    ids = [r["id"] for r in rows]
    svc: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in Service.objects.filter(incident_id__in=ids).values(
        "incident_id", "status", "provider_id", "pep_given_on", "responded_at", "reply_due_at"
    ):
        svc[row["incident_id"]].append(dict(row))
    out: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(ELEMENTS, 0))
    for r in rows:
        parts = _parts(r["org_unit__path"])
        if len(parts) < 3:
            continue  # recorded above district level: not attributable to a district
        c = out[parts[2]]
        services = svc[r["id"]]
        if r["gbv_type"] == "rape":
            c[RAPE] += 1
            c[RAPE_72H] += int(r["elapsed_days"] <= 3)
            c[PEP_72H] += int(
                any(
                    s["pep_given_on"]
                    and cl.within_hours(r["incident_date"], s["pep_given_on"], win["pep_hours"])
                    for s in services
                )
            )
        for s in services:
            if s["provider_id"] is not None and s["provider_id"] != r["organisation_id"]:
                c[REFERRALS] += 1
                c[REFERRALS_DONE] += int(s["status"] in DONE)
                due, answered = s["reply_due_at"], s["responded_at"]
                c[REFERRALS_REPLY_DUE] += int(bool(due and (answered or due < now)))
                c[REFERRALS_ON_TIME] += int(bool(due and answered and answered <= due))
    return out


@transaction.atomic
def accountability_push(*, actor: Actor, period: str) -> PushResult:
    """Write the suppressed accountability counts of `period` (a DHIS2 period code) for every district of
    the provinces the actor covers with both case.statistics and data.enter (see the module docstring)."""
    from amahoro.data.models import DataValue

    policy.check_actor(actor)
    if not getattr(actor, "is_authenticated", False):  # the values are entered as someone, not the platform
        raise PermissionDenied("sign in to push accountability figures")
    if not (policy.has_perm(actor, Perm.CASE_STATISTICS) and policy.has_perm(actor, Perm.DATA_ENTER)):
        raise PermissionDenied(
            "pushing accountability figures needs GBV statistics and data entry permissions"
        )
    if DataElement.objects.filter(code__in=list(ELEMENTS)).count() != len(ELEMENTS):
        raise ValidationFailed("accountability data elements are missing: run accountability_setup first")
    p = _check_period(period)
    provinces = _provinces_for(actor)
    if not provinces:
        raise PermissionDenied(
            "pushing accountability figures needs GBV statistics and data entry over a whole province"
        )
    scope = scope_parse(period=p.code, org_unit=None)
    if len(scope.months) > MAX_MONTHS:  # pragma: no cover - scope_parse refuses it already
        raise ValidationFailed("period too long", field="period")
    rows = [
        r
        for r in incidents_for_statistics(user=actor, scope=scope)
        if any(r["org_unit__path"].startswith(prov.path) for prov in provinces)
    ]
    counts = _counts(rows)
    result = PushResult(period=p.code, provinces=[u.code for u in provinces], incidents=len(rows))
    desired: dict[tuple[str, str], int] = {}
    by_district = disclosure.district_level_allowed()
    for prov in provinces:
        districts = list(OrgUnit.objects.filter(parent=prov).order_by("path").values_list("code", flat=True))
        for denominator, numerators in GROUPS:
            group = (denominator, *numerators)
            residual = dict.fromkeys(group, 0)
            left_out = 0
            for d in districts:
                c = counts.get(d, dict.fromkeys(ELEMENTS, 0))
                if by_district and _publishable(c, denominator, numerators):
                    desired.update({(code, d): c[code] for code in group})
                else:
                    result.suppressed.append(f"{d}:{denominator}")
                    left_out += 1
                    for code in group:
                        residual[code] += c[code]
            if left_out >= 2 and _publishable(residual, denominator, numerators):
                desired.update({(code, prov.code): residual[code] for code in group})
            elif left_out:
                result.suppressed.append(f"{prov.code}:{denominator}")
    existing = set(
        DataValue.objects.filter(
            data_element__code__in=list(ELEMENTS),
            period__code=p.code,
            deleted=False,
        )
        .filter(org_unit__path__regex=r"^/[^/]+/[^/]+/([^/]+/)?$")
        .values_list("data_element__code", "org_unit__code", "org_unit__path")
    )
    values: list[dict[str, Any]] = [
        {"dataElement": de, "period": p.code, "orgUnit": ou, "value": str(v)}
        for (de, ou), v in sorted(desired.items())
    ]
    for de, ou, path in sorted(existing):
        if (de, ou) not in desired and any(path.startswith(prov.path) for prov in provinces):
            values.append(
                {"dataElement": de, "period": p.code, "orgUnit": ou, "value": "", "deleted": "true"}
            )
    for (_, ou), _v in desired.items():
        result.written[ou] = result.written.get(ou, 0) + 1
    summary = datavalues_import(actor=actor, payload={"dataValues": values}, atomic=True, source=SOURCE)
    if summary.conflicts:
        first = summary.conflicts[0]
        raise ValidationFailed(
            f"nothing written: {len(summary.conflicts)} value(s) refused, first: {first.object}: {first.value}",
            field="period",
        )
    result.imported, result.updated = summary.imported, summary.updated
    result.deleted, result.unchanged = summary.deleted, summary.ignored
    return result
