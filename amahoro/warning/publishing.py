"""Early warning fed into NAP outcome P2.O3 ("gender responsive early warning and conflict prevention
mechanisms established", Rwanda NAP 1325, 2018-2022) through the data import engine.

`nap_setup` creates (once) five shared data elements and four indicators linked to node P2.O3 of the NAP
loaded by `amahoro load_reference nap-rw-2018` (also `amahoro load_reference ewer-nap`). `nap_publish`
counts, for one DHIS2 period, the signals received in it per district and writes the counts through
`data.services.datavalues_import` (the dataValueSets path: policy, audit, value history), never as
hand-written rows. Run again for the same period, it writes what changed and deletes what no longer
qualifies: a full, idempotent replacement of its period.

Small counts: per district, a group (received with verified within 24 h; assigned with responded by the
deadline) is written only when its denominator is 0 or at least 5 (`core.suppression.THRESHOLD`). The
districts of a province left out are added up and written at the province under the same rule (a single
district left out is never written at the province: it would be the same small numbers). Alarms raised
are counts of statistical alarms (the detectors' output, about counts, not about anyone): always written.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from amahoro import policy
from amahoro.core.errors import PermissionDenied, ValidationFailed
from amahoro.core.suppression import THRESHOLD
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

from .models import Signal, Source

NAP_NODE = "P2.O3"
SOURCE = "Early warning and early response (amahoro/warning)"
ALARM_TYPE = "statistical_alarm"

RECEIVED = "EWER_SIGNALS_RECEIVED"
VERIFIED_24H = "EWER_SIGNALS_VERIFIED_24H"
ASSIGNED = "EWER_SIGNALS_ASSIGNED"
ON_TIME = "EWER_SIGNALS_RESPONDED_ON_TIME"
ALARMS = "EWER_ALARMS_RAISED"

ELEMENTS: dict[str, str] = {
    RECEIVED: "Early-warning signals received (community sources: web, SMS, ODK, API)",
    VERIFIED_24H: "Early-warning signals verified within 24 hours of receipt",
    ASSIGNED: "Early-warning signals assigned to a responder with a deadline",
    ON_TIME: "Early-warning signals responded to by their deadline",
    ALARMS: "Statistical alarms raised (early-warning detectors)",
}
# (denominator, numerators): counts written, or left out, together.
GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = ((RECEIVED, (VERIFIED_24H,)), (ASSIGNED, (ON_TIME,)))


@dataclass(frozen=True)
class IndicatorDef:
    code: str
    name: str
    type: str
    numerator: str
    numerator_description: str
    denominator: str = ""
    denominator_description: str = ""


INDICATORS = (
    IndicatorDef(
        "EWER_SIGNALS_RECEIVED_COUNT",
        "Early-warning signals received",
        "count",
        RECEIVED,
        "Signals received from the community (web, SMS, ODK, API)",
    ),
    IndicatorDef(
        "EWER_VERIFIED_24H_SHARE",
        "Share of early-warning signals verified within 24 hours",
        "percentage",
        VERIFIED_24H,
        "Signals verified within 24 hours of receipt",
        RECEIVED,
        "Signals received",
    ),
    IndicatorDef(
        "EWER_RESPONDED_ON_TIME_SHARE",
        "Share of early-warning signals responded to within the deadline",
        "percentage",
        ON_TIME,
        "Signals whose response started by their deadline",
        ASSIGNED,
        "Signals assigned to a responder",
    ),
    IndicatorDef(
        "EWER_ALARMS_RAISED_COUNT",
        "Statistical early-warning alarms raised",
        "count",
        ALARMS,
        "Statistical alarms raised by the detectors",
    ),
)


def metadata_payload() -> dict[str, Any]:
    return {
        "dataElements": [
            {
                "code": code,
                "name": name,
                "shortName": name[:50],
                "valueType": "INTEGER_ZERO_OR_POSITIVE",
                "aggregationType": "SUM",
                "zeroIsSignificant": True,
            }
            for code, name in ELEMENTS.items()
        ]
    }


@transaction.atomic
def nap_setup(*, actor: Actor) -> str:
    """Create (once) the early-warning data elements and the P2.O3 indicators. Idempotent. Shared
    metadata: the platform (policy.SYSTEM) or a system administrator."""
    policy.check_actor(actor)
    if not policy.is_system_admin(actor):
        raise PermissionDenied("the P2.O3 indicators are shared metadata: system administrators set them up")
    load_nap_rw_2018()
    report = metadata_import(actor=actor, payload=metadata_payload(), import_strategy="CREATE")
    if report.errors:  # pragma: no cover - the payload is fixed; kept so a broken change says why
        raise ValidationFailed(f"early-warning metadata: {report.errors[0]['message']}")
    nap = Framework.objects.get(code=NAP_CODE)
    node = Node.objects.get(framework=nap, code=NAP_NODE)
    created = 0
    for ind in INDICATORS:
        fields: dict[str, Any] = {
            "name": ind.name,
            "type": ind.type,
            "direction": "higher",
            "aggregation_time": "sum",
            "aggregation_place": "sum",
            "numerator": f"#{{{ind.numerator}}}",
            "numerator_description": ind.numerator_description,
            "data_source": SOURCE,
        }
        if ind.denominator:
            fields |= {
                "unit": "%",
                "denominator": f"#{{{ind.denominator}}}",
                "denominator_description": ind.denominator_description,
                "factor": 100,
                "decimals": 1,
            }
        _, new = indicator_save(actor=actor, code=ind.code, framework=nap, nodes=[node], **fields)
        created += new
    return f"ewer-nap: {len(ELEMENTS)} data elements, {created} indicator(s) created, linked to {NAP_NODE}"


# ---------------------------------------------------------------------------------------------------------
# Counting (shared with the See page's table)


def p2o3_counts(signals: Iterable[Signal]) -> dict[str, int]:
    """The P2.O3 counts of some signals: received (not statistical alarms), verified within 24 h of receipt
    (verified_at, also set by a direct assignment), assigned with a deadline, responded to by it, alarms."""
    out = dict.fromkeys(ELEMENTS, 0)
    for s in signals:
        if s.source == Source.DETECTOR or s.type.code == ALARM_TYPE:
            out[ALARMS] += 1
            continue
        out[RECEIVED] += 1
        out[VERIFIED_24H] += int(
            s.verified_at is not None and (s.verified_at - s.created_at).total_seconds() <= 24 * 3600
        )
        if s.assigned_to_id is not None and s.due_at is not None:
            out[ASSIGNED] += 1
            out[ON_TIME] += int(s.responded_at is not None and s.responded_at <= s.due_at)
    return out


def publishable(denominator: int) -> bool:
    return denominator == 0 or denominator >= THRESHOLD


# ---------------------------------------------------------------------------------------------------------
# The push


@dataclass
class PublishResult:
    period: str
    signals: int = 0
    written: dict[str, int] = field(default_factory=dict)  # org unit code -> values written there
    suppressed: list[str] = field(default_factory=list)  # "<org unit>:<group>" left out
    imported: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _check_period(period: str) -> period_lib.Period:
    try:
        p = period_lib.parse_period(period)
    except period_lib.InvalidPeriod as exc:
        raise ValidationFailed(str(exc), field="period") from None
    if p.start > timezone.localdate():
        raise ValidationFailed(f"period '{p.code}' has not started yet", field="period")
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
        # Overlapping periods would be added up twice by the indicators.
        raise ValidationFailed(
            f"early-warning values already exist for the overlapping period {other}: "
            "publish one period type only (e.g. always months)",
            field="period",
        )
    return p


def _provinces_for(actor: Actor) -> list[OrgUnit]:
    """The provinces whose whole subtree the actor may count (signal.view) and enter data for."""
    return [
        unit
        for unit in OrgUnit.objects.filter(path__regex=r"^/[^/]+/[^/]+/$").order_by("path")
        if policy.can_in(actor, Perm.SIGNAL_VIEW, org_unit=unit.path)
        and policy.can_in(actor, Perm.DATA_ENTER, org_unit=unit.path)
    ]


@transaction.atomic
def nap_publish(*, actor: Actor, period: str) -> PublishResult:
    """Write the P2.O3 counts of `period` (a DHIS2 period code, by date of receipt) for every district of the
    provinces the actor covers with signal.view and data.enter (the platform: all of them). See the module
    docstring for what is left out."""
    from .selectors import signals_visible_to

    policy.check_actor(actor)
    if DataElement.objects.filter(code__in=list(ELEMENTS)).count() != len(ELEMENTS):
        raise ValidationFailed("the early-warning data elements are missing: run nap_setup first")
    p = _check_period(period)
    provinces = _provinces_for(actor)
    if not provinces:
        raise PermissionDenied(
            "publishing the P2.O3 figures needs early-warning and data entry permissions over a whole province"
        )
    start = timezone.make_aware(dt.datetime.combine(p.start, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(p.end, dt.time.max))
    signals = (
        signals_visible_to(user=actor)
        .filter(created_at__gte=start, created_at__lte=end)
        .select_related(None)
        .select_related("type", "org_unit")
        .defer("description", "reporter")
    )
    by_district: dict[str, list[Signal]] = defaultdict(list)
    by_province: dict[str, list[Signal]] = defaultdict(list)
    total = 0
    for s in signals:
        parts = [x for x in s.org_unit.path.split("/") if x]
        if len(parts) < 2:
            continue  # the country as a whole: no province to write it at
        total += 1
        if len(parts) >= 3:
            by_district[parts[2]].append(s)
        else:
            by_province[parts[1]].append(s)  # an alarm of a whole province
    result = PublishResult(period=p.code, signals=total)
    desired: dict[tuple[str, str], int] = {}
    for prov in provinces:
        districts = list(OrgUnit.objects.filter(parent=prov).order_by("path").values_list("code", flat=True))
        counts = {d: p2o3_counts(by_district.get(d, [])) for d in districts}
        province_alarms = p2o3_counts(by_province.get(prov.code, []))[ALARMS]
        if province_alarms:
            desired[(ALARMS, prov.code)] = province_alarms
        for d in districts:
            desired[(ALARMS, d)] = counts[d][ALARMS]
        for denominator, numerators in GROUPS:
            group = (denominator, *numerators)
            residual = dict.fromkeys(group, 0)
            left_out = 0
            for d in districts:
                c = counts[d]
                if publishable(c[denominator]):
                    desired.update({(code, d): c[code] for code in group})
                else:
                    result.suppressed.append(f"{d}:{denominator}")
                    left_out += 1
                    for code in group:
                        residual[code] += c[code]
            if left_out >= 2 and publishable(residual[denominator]):
                desired.update({(code, prov.code): residual[code] for code in group})
            elif left_out:
                result.suppressed.append(f"{prov.code}:{denominator}")
    existing = set(
        DataValue.objects.filter(data_element__code__in=list(ELEMENTS), period__code=p.code, deleted=False)
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
    for _de, ou in desired:
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
