"""The GBVIMS-style monthly statistics report of a place (issue 14, item 3; contract R1 "gbv-monthly").

Every figure comes from `cases.statistics.statistics()`, the function behind /api/v1/gbv/statistics, read as
the user: the same consented incidents, the same grain (cases/disclosure.py) and the same small-cell and
complementary suppression, so the report can never show more than the API. Nothing about one survivor is
in it: no codes, no dates of incidents, no narrative, and no shares (a share of a shown total would give a
hidden count away)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from amahoro import policy
from amahoro.cases import disclosure
from amahoro.cases import statistics as gbv_statistics
from amahoro.cases.models import ServiceType, Sex
from amahoro.cases.services import windows
from amahoro.cases.suppression import COMPLEMENTARY, PRIMARY, SUPPRESSED
from amahoro.core.errors import NotFound, PermissionDenied, ValidationFailed
from amahoro.geo.models import OrgUnit
from amahoro.metadata import periods as period_lib
from amahoro.policy import Actor
from amahoro.roles import Perm

from . import kinds, pdf, xlsx
from .kinds import Progress

CODE = "gbv-monthly"
MONTH = re.compile(r"^(\d{4})(0[1-9]|1[0-2])$")
# The tables of the report, in order (keys of statistics()["tables"]); district is left out (a report is
# about one place) and so is the accountability block (per organisation, not GBVIMS's monthly tables).
TABLES = (
    "gbv_type",
    "age_group",
    "sex",
    "perpetrator_relationship",
    "time_to_report",
    "context",
    "services",
    "referrals",
    "pep",
)
# Tables where one incident can count in several rows (so the total is not a number of incidents).
MULTIPLE = frozenset({"context", "services", "referrals"})


def _row_labels() -> dict[str, dict[str, str | Promise]]:
    return {
        "gbv_type": {
            "rape": gettext_lazy("Rape"),
            "sexual_assault": gettext_lazy("Sexual assault"),
            "physical_assault": gettext_lazy("Physical assault"),
            "forced_marriage": gettext_lazy("Forced marriage"),
            "denial_of_resources": gettext_lazy("Denial of resources, opportunities or services"),
            "psychological_abuse": gettext_lazy("Psychological or emotional abuse"),
            "non_gbv": gettext_lazy("Not GBV"),
        },
        "age_group": {
            "0-11": gettext_lazy("0-11 years"),
            "12-17": gettext_lazy("12-17 years"),
            "18-25": gettext_lazy("18-25 years"),
            "26-40": gettext_lazy("26-40 years"),
            "41-60": gettext_lazy("41-60 years"),
            "61+": gettext_lazy("61 years and over"),
            "unknown": gettext_lazy("Age unknown"),
        },
        "sex": {str(value): label for value, label in Sex.choices},
        "perpetrator_relationship": {
            "intimate_partner": gettext_lazy("Intimate partner"),
            "former_partner": gettext_lazy("Former partner"),
            "family": gettext_lazy("Family member"),
            "caregiver": gettext_lazy("Caregiver"),
            "employer": gettext_lazy("Employer"),
            "teacher": gettext_lazy("Teacher"),
            "service_provider": gettext_lazy("Service provider"),
            "neighbour": gettext_lazy("Neighbour"),
            "community_member": gettext_lazy("Community member"),
            "stranger": gettext_lazy("Stranger"),
            "other": gettext_lazy("Other"),
            "unknown": gettext_lazy("Unknown or not recorded"),
        },
        "time_to_report": {
            "0-3": gettext_lazy("0-3 days"),
            "4-5": gettext_lazy("4-5 days"),
            "6-14": gettext_lazy("6-14 days"),
            "15-30": gettext_lazy("15-30 days"),
            "31+": gettext_lazy("More than a month"),
            "unknown": gettext_lazy("Unknown"),
        },
        "context": {
            "intimate_partner_violence": gettext_lazy("Intimate partner violence"),
            "child_sexual_abuse": gettext_lazy("Child sexual abuse"),
            "early_marriage": gettext_lazy("Early marriage"),
            "possible_sexual_exploitation": gettext_lazy("Possible sexual exploitation"),
            "possible_sexual_slavery": gettext_lazy("Possible sexual slavery"),
            "harmful_traditional_practice": gettext_lazy("Harmful traditional practice"),
        },
        "services": {str(value): label for value, label in ServiceType.choices},
        "referrals": {str(value): label for value, label in ServiceType.choices},
    }


def _titles(pep_hours: int) -> dict[str, str]:
    return {
        "gbv_type": _("Incidents by type of GBV"),
        "age_group": _("Incidents by age group of the survivor"),
        "sex": _("Incidents by sex of the survivor"),
        "perpetrator_relationship": _("Incidents by relationship of the (first) perpetrator to the survivor"),
        "time_to_report": _("Incidents by time from the incident to the report"),
        "context": _("Incidents by case context"),
        "services": _("Services given and referrals made, by type of service"),
        "referrals": _("Referrals to other organisations, by type of service"),
        "pep": _("Rape incidents by post-exposure prophylaxis (PEP) within %(hours)s hours")
        % {"hours": pep_hours},
    }


def _notes(pep_hours: int) -> dict[str, str]:
    return {
        "perpetrator_relationship": _(
            "The first perpetrator recorded; an incident without one counts as unknown."
        ),
        "time_to_report": _("Whole calendar days from the date of the incident to the date of the report."),
        "context": _(
            "An incident can have several contexts, or none: the total counts contexts, not incidents."
        ),
        "services": _(
            "Every service recorded for the incidents of the month, whatever its status, including referrals: "
            "an incident can count in several rows."
        ),
        "referrals": _(
            "Services given by another organisation than the one holding the case: an incident can count in "
            "several rows."
        ),
        "pep": _(
            "PEP given at the latest on day %(days)s after the incident counts as within %(hours)s hours; "
            "'not recorded' means that no PEP date was recorded."
        )
        % {"days": pep_hours // 24, "hours": pep_hours},
    }


def _pep_labels(pep_hours: int) -> dict[str, str]:
    return {
        "within_72h": _("PEP within %(hours)s hours") % {"hours": pep_hours},
        "after_72h": _("PEP after %(hours)s hours") % {"hours": pep_hours},
        "not_recorded": _("No PEP recorded"),
    }


Value = int | str  # a count, or a suppression mark ("<5", "*", "x")


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    rows: list[tuple[str, Value]]
    total: Value
    note: str
    legend: list[str]  # what "<5" and "*" mean (and "x", when the table shows it)


@dataclass(frozen=True)
class GbvMonthly:
    params: dict[str, str]
    place: str
    place_code: str
    month: str
    incidents: Value
    own_cases_only: bool  # a case role's finer request: only their organisation's cases count
    min_total: int
    generated: dt.date
    sections: list[Section]


def _month_value(values: list[Any]) -> Value:
    """The month's entry of a row of a one-month table ([month, total]: the same count; should the two
    entries be marked differently, the hidden one wins)."""
    month, total = values[0], values[-1]
    return total if isinstance(total, str) and not isinstance(month, str) else month


def _sections(tables: Mapping[str, Any], pep_hours: int, min_total: int) -> list[Section]:
    legend = _legend(min_total)
    labels = _row_labels()
    labels["pep"] = dict(_pep_labels(pep_hours))
    titles, notes = _titles(pep_hours), _notes(pep_hours)
    out: list[Section] = []
    for key in TABLES:
        table = tables[key]
        rows = [(str(labels[key].get(r["key"], r["key"])), _month_value(r["values"])) for r in table["rows"]]
        body, total = rows[:-1], rows[-1][1]
        marks = [PRIMARY, COMPLEMENTARY]
        if any(value == SUPPRESSED for _label, value in rows):
            marks.append(SUPPRESSED)
        out.append(Section(key, titles[key], body, total, notes.get(key, ""), [legend[m] for m in marks]))
    return out


def _month_label(period: str) -> str:
    match = MONTH.match(period)
    assert match is not None
    return str(formats.date_format(dt.date(int(match[1]), int(match[2]), 1), "YEAR_MONTH_FORMAT"))


class GbvMonthlyKind:
    code: str = CODE
    title: str | Promise = gettext_lazy("GBV monthly statistics")
    description: str | Promise = gettext_lazy(
        "GBVIMS-style statistics of a place for one month: incidents by type, survivor age group and sex, "
        "perpetrator relationship and time to report; services, referrals and PEP within 72 hours. Every "
        "count under 5 is suppressed."
    )
    formats: tuple[str, ...] = ("pdf", "xlsx")
    perm: Perm = Perm.CASE_STATISTICS
    frequencies: tuple[str, ...] = ("monthly",)

    def parse(self, params: Mapping[str, str]) -> dict[str, str]:
        org_unit = str(params.get("org_unit") or "").strip()
        if not org_unit:
            raise ValidationFailed(
                "org_unit is required (an org unit code, e.g. a district)", field="org_unit"
            )
        if len(org_unit) > 50:
            raise ValidationFailed("org_unit is too long (an org unit code)", field="org_unit")
        period = str(params.get("period") or "").strip()
        if not period:
            raise ValidationFailed("period is required (a month: yyyyMM, e.g. 202610)", field="period")
        if not MONTH.match(period):
            raise ValidationFailed(
                f"period must be one month as yyyyMM (e.g. 202610), not '{period[:20]}'", field="period"
            )
        if period > timezone.localdate().strftime("%Y%m"):
            raise ValidationFailed(f"period {period} has not begun yet", field="period")
        return {"org_unit": org_unit, "period": period, "lang": kinds.lang_of(params)}

    def build(self, *, user: Actor, params: dict[str, str], progress: Progress) -> GbvMonthly:
        if not policy.has_perm(user, Perm.CASE_STATISTICS):
            raise PermissionDenied(_("Your roles do not include GBV statistics"))
        unit = OrgUnit.objects.select_related("level").filter(code=params["org_unit"]).first()
        # Unknown and outside the user's statistics scope read the same: a place they cannot report on.
        if unit is None or not policy.can_in(user, Perm.CASE_STATISTICS, org_unit=unit.path):
            raise NotFound(f"org unit '{params['org_unit']}' not found", field="org_unit")
        progress(20, _("Counting incidents"))
        result = gbv_statistics.statistics(user=user, period=params["period"], org_unit=unit.code)
        grain = disclosure.grain_for(
            user=user, period=period_lib.parse_period(params["period"]), org_unit=unit
        )
        progress(60, _("Suppressing small counts"))
        pep_hours = windows()["pep_hours"]
        return GbvMonthly(
            params=params,
            place=unit.display_name,
            place_code=unit.code,
            month=_month_label(params["period"]),
            incidents=result["incidents"],
            own_cases_only=grain.detail,
            min_total=grain.rule.min_total,
            generated=timezone.localdate(),
            sections=_sections(result["tables"], pep_hours, grain.rule.min_total),
        )

    def render(self, report: GbvMonthly, *, fmt: str) -> bytes:
        if fmt == "xlsx":
            return _xlsx(report)
        document = pdf.html("reports/pdf/gbv-monthly.html", _context(report))
        return document.encode() if fmt == "html" else pdf.pdf(document)

    def filename(self, params: dict[str, str], fmt: str) -> str:
        place = re.sub(r"[^A-Za-z0-9_-]", "_", params["org_unit"])[:50]
        return f"{CODE}-{place}-{params['period']}-{params['lang']}.{fmt}"

    def scheduled_params(self, params: dict[str, str], *, today: dt.date, frequency: str) -> dict[str, str]:
        if frequency not in self.frequencies:
            raise ValidationFailed(f"frequency must be monthly, not '{frequency}'", field="frequency")
        last = today.replace(day=1) - dt.timedelta(days=1)
        return {**params, "period": last.strftime("%Y%m")}


def _legend(min_total: int) -> dict[str, str]:
    return {
        PRIMARY: _("<5: a count from 1 to 4 (or a zero in the same row or column as one)."),
        COMPLEMENTARY: _(
            "*: hidden so that no hidden count can be worked out from the totals (0, or 5 or more)."
        ),
        SUPPRESSED: _("x: not shown, the table rests on fewer than %(n)s incidents.") % {"n": min_total},
    }


def _counted(report: GbvMonthly) -> str:
    what = _(
        "Counted: incidents reported in %(month)s in %(place)s (and the places within it) whose survivor "
        "consented to non-identifiable reporting, by month of report, not of the incident."
    ) % {"month": report.month, "place": report.place}
    whose = (
        _("Only your organisation's cases count (a place finer than a district).")
        if report.own_cases_only
        else _("Cases of every organisation count.")
    )
    return f"{what} {whose}"


def _context(report: GbvMonthly) -> dict[str, Any]:
    title = _("GBV monthly statistics")
    return {
        "title": title,
        "subtitle": f"{report.place} ({report.place_code}) · {report.month}",
        "generated_label": _("Generated on %(date)s") % {"date": formats.date_format(report.generated)},
        "report": report,
        "counted": _counted(report),
        "legend": list(_legend(report.min_total).values()),
    }


def _xlsx(report: GbvMonthly) -> bytes:
    wb = xlsx.new_workbook()
    legend = _legend(report.min_total)
    ws = xlsx.sheet(
        wb,
        _("GBV statistics"),
        heading=[
            str(_("GBV monthly statistics")),
            f"{report.place} ({report.place_code}) · {report.month}",
            _counted(report),
            _("Generated on %(date)s") % {"date": formats.date_format(report.generated)},
        ],
    )
    row = 6
    xlsx.write(ws, row, [_("Incidents"), report.incidents], formats=[None, xlsx.INTEGER], bold=True)
    row += 1
    for line in legend.values():
        xlsx.write(ws, row, [line])
        row += 1
    for section in report.sections:
        row += 1
        xlsx.write(ws, row, [section.title], bold=True)
        row += 1
        xlsx.header(ws, row, ["", _("Count")], freeze=False)
        for label, value in section.rows:
            row += 1
            xlsx.write(ws, row, [label, value], formats=[None, xlsx.INTEGER])
        row += 1
        xlsx.write(ws, row, [_("Total"), section.total], formats=[None, xlsx.INTEGER], bold=True)
        for line in [section.note, *section.legend]:
            if line:
                row += 1
                xlsx.write(ws, row, [line])
        row += 1
    xlsx.widths(ws, [60, 12])
    return xlsx.to_bytes(wb)


kinds.register(GbvMonthlyKind())
