"""Writes of participation: the setup of its metadata, indicators and targets, and the importer of the UN
peacekeeping contributions-by-gender CSV. Values go through amahoro.data.services.datavalues_import (the
one import engine: policy, validation, audit, history), never as hand-written rows."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TypedDict

from django.db import transaction

from amahoro import policy
from amahoro.audit.models import AuditAction
from amahoro.audit.services import audit_record
from amahoro.core import tabular
from amahoro.core.errors import PermissionDenied, ValidationFailed
from amahoro.core.signals import public_data_changed_on_commit
from amahoro.data.services import datavalues_import
from amahoro.frameworks.models import Framework, Indicator, Node
from amahoro.frameworks.reference import load_nap_rw_2018
from amahoro.frameworks.services import indicator_save, target_set
from amahoro.geo.models import OrgUnit
from amahoro.metadata.importer import metadata_import
from amahoro.policy import Actor
from amahoro.roles import Perm

from . import reference as ref

# The columns of the UN "Contributions of uniformed personnel to UN peacekeeping operations by country,
# mission, personnel type and gender" file. The UN data hub also serves it with lower-case names.
COLUMNS = (
    "Contributing_Country",
    "ISOCode3",
    "Mission_Acronym",
    "Personnel_Type",
    "Male_Personnel",
    "Female_Personnel",
    "Last_Reporting_Date",
)
MAX_BYTES = 50 * 1024 * 1024
MAX_ERRORS = 20
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%b-%y", "%d-%b-%Y", "%m/%d/%Y %H:%M:%S", "%Y-%m-%dT%H:%M:%S")


# ---------------------------------------------------------------------------------------------------------
# Setup


@transaction.atomic
def participation_setup(*, actor: Actor) -> list[str]:
    """Create (once) the sex-disaggregated series, the share-of-women indicators linked to the NAP, and
    their targets. Idempotent. Shared metadata: the platform (`policy.SYSTEM`) or a system administrator."""
    policy.check_actor(actor)
    if not policy.is_system_admin(actor):
        raise PermissionDenied("participation series are shared metadata: system administrators set them up")
    notes: list[str] = []
    load_nap_rw_2018()
    report = metadata_import(actor=actor, payload=ref.metadata_payload(), import_strategy="CREATE")
    if report.errors:
        raise ValidationFailed(f"participation metadata: {report.errors[0]['message']}")
    nap = Framework.objects.get(code=ref.NAP_CODE)
    nodes = {n.code: n for n in Node.objects.filter(framework=nap)}
    country = OrgUnit.objects.filter(parent__isnull=True).order_by("path").first()
    created = 0
    for s in ref.SERIES:
        if s.combo == ref.PK_COMBO:
            women = "+".join(f"#{{{s.element}.{ref.coc_code('F', p.option)}}}" for p in ref.PERSONNEL_TYPES)
        elif s.combo == ref.RANK_COMBO:
            women = "+".join(f"#{{{s.element}.{ref.coc_code('F', r)}}}" for r, _ in ref.RANKS)
        else:
            women = f"#{{{s.element}.F}}"
        _, new = indicator_save(
            actor=actor,
            code=s.indicator,
            framework=nap,
            nodes=[nodes[s.nap_node]],
            **_share_fields(f"Share of women: {s.name}", women, f"#{{{s.element}}}"),
            name_fr=ref.share_names(s.name)[0],
            name_rw=ref.share_names(s.name)[1],
        )
        created += new
        if s.constitutional_minimum and country is not None:
            ind = Indicator.objects.get(code=s.indicator)
            for year in range(2018, 2023):
                target_set(
                    actor=actor,
                    indicator=ind,
                    org_unit=country,
                    period=str(year),
                    value=ref.CONSTITUTIONAL_MINIMUM,
                    note=ref.CONSTITUTION_SOURCE,
                )
    for p in ref.PERSONNEL_TYPES:
        f = f"#{{{ref.PK_ELEMENT}.{ref.coc_code('F', p.option)}}}"
        m = f"#{{{ref.PK_ELEMENT}.{ref.coc_code('M', p.option)}}}"
        ind, new = indicator_save(
            actor=actor,
            code=p.indicator,
            framework=nap,
            nodes=[nodes["P5.O2"]],
            **_share_fields(
                f"Share of women among {p.label.lower()} deployed to UN peace operations", f, f"{f}+{m}"
            ),
            name_fr=ref.peacekeeping_share_names(p.label)[0],
            name_rw=ref.peacekeeping_share_names(p.label)[1],
        )
        created += new
        if country is not None:
            target_set(
                actor=actor,
                indicator=ind,
                org_unit=country,
                period=ref.PARITY_TARGET_PERIOD,
                value=p.target_2028,
                note=ref.PARITY_SOURCE[:300],
            )
    notes.append(f"participation: {len(ref.SERIES)} series, {created} indicators created, parity targets set")
    return notes


class ShareFields(TypedDict):
    name: str
    type: str
    unit: str
    direction: str
    aggregation_time: str
    aggregation_place: str
    numerator: str
    numerator_description: str
    denominator: str
    denominator_description: str
    factor: int
    decimals: int
    data_source: str


def _share_fields(name: str, numerator: str, denominator: str) -> ShareFields:
    return {
        "name": name[:300],
        "type": "percentage",
        "unit": "%",
        "direction": "higher",
        "aggregation_time": "last",
        "aggregation_place": "sum",
        "numerator": numerator,
        "numerator_description": "Women",
        "denominator": denominator,
        "denominator_description": "Women and men",
        "factor": 100,
        "decimals": 1,
        "data_source": "Amahoro participation series (docs/participation.md)",
    }


# ---------------------------------------------------------------------------------------------------------
# The UN peacekeeping CSV


@dataclass
class PeacekeepingImport:
    rows_read: int = 0
    rows_used: int = 0
    rows_other_countries: int = 0
    rows_superseded: int = 0  # an earlier report of the same mission and type in the same month
    periods: list[str] = field(default_factory=list)
    values: int = 0
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    ignored_columns: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


def _header(fieldnames: Sequence[str] | None) -> tuple[dict[str, str], list[str]]:
    """{canonical column: column as written in the file}, and the file's other columns."""
    if not fieldnames:
        raise ValidationFailed(
            "the file is empty: expected a header row with " + ", ".join(COLUMNS), field="file"
        )
    found = {name.strip().casefold(): name for name in fieldnames if name}
    mapping = {col: found[col.casefold()] for col in COLUMNS if col.casefold() in found}
    missing = [col for col in COLUMNS if col not in mapping]
    if missing:
        raise ValidationFailed(
            f"missing column(s) {', '.join(missing)}; the file has {', '.join(n.strip() for n in fieldnames if n)}. "
            f"Expected the UN peacekeeping contributions-by-gender columns: {', '.join(COLUMNS)} "
            "(or the same names in lower case)",
            field="columns",
        )
    known = {c.casefold() for c in COLUMNS}
    return mapping, [n.strip() for n in fieldnames if n and n.strip().casefold() not in known]


def _count(raw: str) -> int:
    text = raw.strip().replace(",", "")
    if not re.fullmatch(r"\d+(\.0+)?", text):
        raise ValueError
    return int(float(text))


def _date(raw: str) -> dt.date:
    text = raw.strip()
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError


@transaction.atomic
def peacekeeping_csv_import(
    *,
    actor: Actor,
    content: bytes,
    country: str = "RWA",
    org_unit: OrgUnit | None = None,
    dry_run: bool = False,
) -> PeacekeepingImport:
    """Import a UN peacekeeping contributions-by-gender CSV for one contributing country, all or nothing.

    Per month (the period of Last_Reporting_Date) and personnel type, the men and women of every mission
    are added up, taking each mission's latest report of that month. Values are stored at `org_unit` (the
    country) as WPS_PK_DEPLOYED disaggregated by sex and personnel type. Any bad row: nothing is saved and
    the error names the row and column."""
    policy.check_actor(actor)
    if len(content) > MAX_BYTES:
        raise ValidationFailed(f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB", field="file")
    country = (country or "").strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", country):
        raise ValidationFailed(f"country must be an ISO 3166 alpha-3 code, not '{country}'", field="country")
    if org_unit is None:
        org_unit = OrgUnit.objects.filter(parent__isnull=True).order_by("path").first()
        if org_unit is None:
            raise ValidationFailed("no country org unit is loaded", field="org_unit")
    policy.require(
        actor, Perm.DATA_ENTER, org_unit=org_unit, message=f"you may not enter data for {org_unit.code}"
    )
    text = tabular.decode_csv(content, windows_1252=True)
    if "\x00" in text:
        raise ValidationFailed(
            "the file is not a CSV text file (it holds NUL bytes: an XLSX? save it as CSV)", field="file"
        )
    # Rows as csv.DictReader gives them (blank lines skipped), read within the table limits; the file's
    # byte cap (MAX_BYTES) already bounds it, so the row and cell limits are raised for the UN history.
    records = (r for r in tabular.iter_csv(text, max_rows=MAX_BYTES // 16, max_cells=MAX_BYTES // 2) if r)
    fieldnames = next(records, None)
    rows = [dict(zip(fieldnames, r, strict=False)) for r in records] if fieldnames else []
    cols, extra = _header(fieldnames)
    result = PeacekeepingImport(ignored_columns=extra)
    errors: list[str] = []
    # (period, mission, type) -> (date, men, women)
    latest: dict[tuple[str, str, str], tuple[dt.date, int, int]] = {}
    for line, row in enumerate(rows, start=2):
        result.rows_read += 1
        if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
            continue  # blank line
        iso = (row.get(cols["ISOCode3"]) or "").strip().upper()
        if iso != country:
            result.rows_other_countries += 1
            continue
        problems = []
        ptype = ref.PERSONNEL_BY_LABEL.get((row.get(cols["Personnel_Type"]) or "").strip().casefold())
        if ptype is None:
            problems.append(
                f"row {line}, column {cols['Personnel_Type']}: '{(row.get(cols['Personnel_Type']) or '')[:40]}' "
                f"is not one of {', '.join(p.label for p in ref.PERSONNEL_TYPES)}"
            )
        counts = []
        for col in ("Male_Personnel", "Female_Personnel"):
            raw = row.get(cols[col]) or ""
            try:
                counts.append(_count(raw))
            except ValueError:
                problems.append(
                    f"row {line}, column {cols[col]}: '{raw[:20]}' is not a whole number of people"
                )
        raw_date = row.get(cols["Last_Reporting_Date"]) or ""
        try:
            date = _date(raw_date)
        except ValueError:
            problems.append(
                f"row {line}, column {cols['Last_Reporting_Date']}: '{raw_date[:30]}' is not a date (YYYY-MM-DD)"
            )
        mission = (row.get(cols["Mission_Acronym"]) or "").strip()
        if not mission:
            problems.append(f"row {line}, column {cols['Mission_Acronym']}: empty")
        if problems:
            errors.extend(problems)
            if len(errors) >= MAX_ERRORS:
                break
            continue
        assert ptype is not None
        key = (f"{date.year}{date.month:02d}", mission.upper(), ptype.option)
        men, women = counts
        prev = latest.get(key)
        if prev is None or date > prev[0]:
            if prev is not None:
                result.rows_superseded += 1
            latest[key] = (date, men, women)
        elif date == prev[0]:
            latest[key] = (date, prev[1] + men, prev[2] + women)
        else:
            result.rows_superseded += 1
        result.rows_used += 1
    if errors:
        more = " (and more)" if len(errors) >= MAX_ERRORS else ""
        raise ValidationFailed("nothing imported: " + "; ".join(errors[:MAX_ERRORS]) + more, field="file")
    if not latest:
        raise ValidationFailed(f"no row for contributing country {country} in the file", field="country")
    totals: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for (period, _mission, option), (_reported, men, women) in latest.items():
        totals[(period, option)][0] += men
        totals[(period, option)][1] += women
    values = []
    for (period, option), (men, women) in sorted(totals.items()):
        for sex, number in (("M", men), ("F", women)):
            values.append(
                {
                    "dataElement": ref.PK_ELEMENT,
                    "period": period,
                    "orgUnit": org_unit.code,
                    "categoryOptionCombo": ref.coc_code(sex, option),
                    "value": str(number),
                }
            )
    result.periods = sorted({p for p, _ in totals})
    result.values = len(values)
    summary = datavalues_import(
        actor=actor,
        payload={"dataValues": values},
        atomic=True,
        dry_run=dry_run,
        source="UN peacekeeping CSV",
    )
    if summary.conflicts:
        first = summary.conflicts[0]
        raise ValidationFailed(
            f"nothing imported: {len(summary.conflicts)} value(s) refused, first: {first.object}: {first.value}",
            field="file",
        )
    result.imported, result.updated, result.unchanged = summary.imported, summary.updated, summary.ignored
    if not dry_run and (result.imported or result.updated):  # like the data import: no-op runs leave no row
        audit_record(
            actor=actor,
            action=AuditAction.IMPORT,
            object_type="participation.peacekeeping",
            object_repr=f"UN peacekeeping CSV ({country}): {len(result.periods)} months",
            org_unit_path=org_unit.path,
            changes={"country": country, "months": len(result.periods), "values": len(values)},
        )
        public_data_changed_on_commit(sender="participation.peacekeeping")
    return result
