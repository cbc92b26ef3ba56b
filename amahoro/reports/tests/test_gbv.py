"""The GBV monthly statistics report (gbv-monthly): the same suppressed figures as /api/v1/gbv/statistics for
the same place and month, read back from the PDF (pypdf) and the XLSX (openpyxl) and checked against counts
made here from the incidents the test created; small counts never shown nor inferable; no survivor detail;
403 without the GBV statistics permission, 404 outside the user's place; audited; three languages."""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils.translation import gettext
from openpyxl import load_workbook
from pypdf import PdfReader

from amahoro.audit.models import AuditAction, AuditEvent
from amahoro.cases import services as case_services
from amahoro.cases.models import ServiceType
from amahoro.cases.suppression import COMPLEMENTARY, PRIMARY
from amahoro.cases.tests.conftest import ACCOUNT, NAME, PHONE, create
from amahoro.core.errors import NotFound, PermissionDenied, ValidationFailed
from amahoro.reports import gbv, kinds, services
from conftest import make_org, make_user

KIND = "gbv-monthly"
API = "/api/v1/gbv/statistics"


@dataclass
class World:
    osc: Any
    ngo: Any
    worker: Any  # case worker of OSC1 over Gasabo (12): creates the incidents
    supervisor: Any  # case supervisor of OSC1 over Gasabo
    me_officer: Any  # NGO M&E officer over the country: GBV statistics, no case role
    worker_nyarugenge: Any  # case worker of OSC1 over Nyarugenge (11)
    moderator: Any  # a role without case.statistics
    nobody: Any
    period: str  # the month of the report (yyyyMM)
    cases: list[Any]


def _month() -> tuple[dt.date, str]:
    """The 5th of the last complete month, and that month's code."""
    first = (dt.date.today().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    return first.replace(day=5), first.strftime("%Y%m")


def _incident(user: Any, *, report: dt.date, days: int, **overrides: Any) -> Any:
    return create(
        user,
        incident_date=(report - dt.timedelta(days=days)).isoformat(),
        report_date=report.isoformat(),
        **overrides,
    )


@pytest.fixture
def world(db: Any) -> World:
    osc = make_org("OSC1", "osc", areas=("12", "11"))
    ngo = make_org("NGO1", "ngo", areas=("11", "12"))
    platform = make_org("MOD", "ministry")
    worker = make_user("worker", ("case_worker", osc, "12"))
    w = World(
        osc=osc,
        ngo=ngo,
        worker=worker,
        supervisor=make_user("supervisor", ("case_supervisor", osc, "12")),
        me_officer=make_user("me_officer", ("me_officer", ngo, "RW")),
        worker_nyarugenge=make_user("worker_nyarugenge", ("case_worker", osc, "11")),
        moderator=make_user("moderator", ("assessment_moderator", platform, "RW")),
        nobody=make_user("nobody"),
        period="",
        cases=[],
    )
    report, w.period = _month()
    # A: 8 rapes of women aged 24 by a former partner, reported 2 days later (0-3 days).
    a = [_incident(worker, report=report, days=2) for _ in range(8)]
    # B: 4 rapes of girls aged 15 by a family member, reported 5 days later (4-5 days).
    b = [
        _incident(
            worker,
            report=report,
            days=5,
            survivor={"name": NAME, "sex": "female", "age": 15},
            perpetrators=[{"relationship": "family", "sex": "male"}],
        )
        for _ in range(4)
    ]
    # C: 3 physical assaults of men aged 30 by a stranger, reported 10 days later (6-14 days).
    c = [
        _incident(
            worker,
            report=report,
            days=10,
            survivor={"name": NAME, "sex": "male", "age": 30},
            classification={"physical_assault": True},
            perpetrators=[{"relationship": "stranger", "sex": "male"}],
        )
        for _ in range(3)
    ]
    # Not counted: no consent to reporting; another district; another month.
    _incident(worker, report=report, days=2, consent={"services": True, "reporting": False})
    nyarugenge = make_user("clerk_11", ("case_worker", osc, "11"))
    _incident(nyarugenge, report=report, days=2, org_unit="1101")
    _incident(worker, report=report - dt.timedelta(days=31), days=2)
    # PEP: 6 of A on the day of the report (within 72 h); 2 of B on day 5 (after 72 h).
    for i in a[:6] + b[:2]:
        case_services.service_record(
            actor=worker,
            incident=i,
            type="health",
            status="provided",
            provided_on=i.report_date,
            pep_given_on=i.report_date,
        )
    # Referrals to the NGO: legal aid for all of A and 2 of B, the police for 1 of C.
    # Each with the survivor's consent to referral of that kind (a referral to another organisation needs it).
    for i in a + b[:2]:
        case_services.consent_record(
            actor=worker, incident=i, purpose="referral", service="legal", given=True, method="verbal"
        )
        case_services.service_record(
            actor=worker, incident=i, type="legal", status="referred", provider=ngo, referred_on=i.report_date
        )
    case_services.consent_record(
        actor=worker, incident=c[0], purpose="referral", service="police", given=True, method="verbal"
    )
    case_services.service_record(
        actor=worker,
        incident=c[0],
        type="police",
        status="referred",
        provider=ngo,
        referred_on=c[0].report_date,
    )
    w.cases = a + b + c
    return w


# Counted by hand from the fixture (the big cells); the small ones must not show.
BIG = {
    "gbv_type": {"rape": 12},
    "age_group": {"18-25": 8},
    "sex": {"female": 12},
    "perpetrator_relationship": {"former_partner": 8},
    "time_to_report": {"0-3": 8},
    "services": {"health": 8},
    "pep": {"within_72h": 6},
}
SMALL = {
    "gbv_type": {"physical_assault": 3},
    "age_group": {"12-17": 4, "26-40": 3},
    "sex": {"male": 3},
    "perpetrator_relationship": {"family": 4, "stranger": 3},
    "time_to_report": {"4-5": 4, "6-14": 3},
    "referrals": {"police": 1},
    "pep": {"after_72h": 2, "not_recorded": 4},
}


def _params(w: World, **extra: str) -> dict[str, str]:
    return {"org_unit": "12", "period": w.period, **extra}


def _api_tables(api_client: Any, user: Any, w: World) -> dict[str, Any]:
    api_client.force_authenticate(user)
    r = api_client.get(API, {"period": w.period, "org_unit": "12"})
    assert r.status_code == 200, r.content
    body: dict[str, Any] = r.json()
    return body


def _month_values(table: dict[str, Any]) -> dict[str, Any]:
    return {row["key"]: row["values"][0] for row in table["rows"]}


def _xlsx_sections(content: bytes) -> tuple[list[tuple[Any, ...]], dict[str, list[tuple[Any, Any]]]]:
    ws = load_workbook(io.BytesIO(content)).worksheets[0]
    rows = [tuple(c for c in row) for row in ws.iter_rows(values_only=True)]
    sections: dict[str, list[tuple[Any, Any]]] = {}
    titles = {str(t) for t in gbv._titles(72).values()}
    current: list[tuple[Any, Any]] | None = None
    for row in rows:
        first = row[0]
        if first in titles:
            current = sections.setdefault(str(first), [])
        elif current is not None and first is not None and len(row) > 1 and row[1] is not None:
            current.append((first, row[1]))
            if first == "Total":
                current = None
    return rows, sections


def test_the_xlsx_shows_the_apis_figures_and_hides_every_small_count(world: World, api_client: Any) -> None:
    body = _api_tables(api_client, world.me_officer, world)
    rendered = services.render(user=world.me_officer, kind=KIND, params=_params(world), fmt="xlsx")
    assert rendered.filename == f"gbv-monthly-12-{world.period}-en.xlsx"
    rows, sections = _xlsx_sections(rendered.content)
    titles = gbv._titles(72)
    assert ("Incidents", 15) in [r[:2] for r in rows]
    assert body["incidents"] == 15
    for key in gbv.TABLES:
        api = body["tables"][key]
        values = [v for _, v in sections[str(titles[key])]]
        # The month's column of the API, row by row (the totals row last), exactly.
        assert values == [row["values"][0] for row in api["rows"]], key
        for value in values:
            # Numbers as numbers, suppressed cells as their marks.
            assert isinstance(value, int) or value in (PRIMARY, COMPLEMENTARY), (key, value)
    for key, cells in BIG.items():
        shown = _month_values(body["tables"][key])
        for row, count in cells.items():
            assert shown[row] == count, (key, row)
    for key, cells in SMALL.items():
        shown = _month_values(body["tables"][key])
        section = sections[str(titles[key])]
        for row, count in cells.items():
            assert shown[row] in (PRIMARY, COMPLEMENTARY), (key, row)
            assert count not in [v for _, v in section], (key, row)
        _assert_nothing_pinned(key, section)
    # The referral table needed a complementary cell: legal aid (10) is hidden beside police (1).
    referrals = dict(sections[str(titles["referrals"])])
    assert referrals["Legal aid"] == COMPLEMENTARY and referrals["Police / RIB investigation"] == PRIMARY
    texts = " ".join(str(v) for r in rows for v in r if v is not None)
    for secret in (NAME, PHONE, ACCOUNT, "GBV-", *[str(i.incident_date) for i in world.cases]):
        assert secret not in texts


def _assert_nothing_pinned(key: str, section: list[tuple[Any, Any]]) -> None:
    """A one-month table is one line (rows and their total): with its total shown, one hidden row would be
    the total less the others; "<5" rows are 1-4 (0-4 beside one) and "*" 0 or 5 and more, so the hidden
    rows must leave more than one value possible for each of them."""
    body, (_, total) = section[:-1], section[-1]
    if not isinstance(total, int):
        return
    hidden = [v for _, v in body if isinstance(v, str)]
    rest = total - sum(v for _, v in body if isinstance(v, int))
    assert len(hidden) != 1, key
    if hidden:
        # Each hidden entry takes at least two values given the others' ranges.
        options = {PRIMARY: range(0, 5), COMPLEMENTARY: [0, *range(5, rest + 1)]}
        for i, mark in enumerate(hidden):
            others = [options[m] for j, m in enumerate(hidden) if j != i]
            possible = {v for v in options[mark] if _reachable(rest - v, others)}
            assert len(possible) > 1, (key, mark, possible)


def _reachable(target: int, ranges: list[Any]) -> bool:
    sums = {0}
    for r in ranges:
        sums = {s + v for s in sums for v in r if s + v <= target}
    return target in sums


def _pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_pdf_shows_the_same_figures_with_legends_and_no_survivor_detail(
    world: World, api_client: Any
) -> None:
    body = _api_tables(api_client, world.supervisor, world)
    rendered = services.render(user=world.supervisor, kind=KIND, params=_params(world), fmt="pdf")
    assert rendered.content.startswith(b"%PDF") and rendered.content_type == "application/pdf"
    text = _pdf_text(rendered.content)
    lines = [re.sub(r"\s+", " ", line).strip() for line in text.splitlines()]
    flat = re.sub(r"\s+", " ", text)
    assert "GBV monthly statistics" in text and "Gasabo" in text
    assert "Incidents: 15" in text
    # (a line may break after the hyphen)
    assert "consentedtonon-identifiablereporting" in re.sub(r"\s+", "", text)
    for expected in ("Rape 12", "Female 12", "18-25 years 8", "Former partner 8", "0-3 days 8", "Health 8"):
        assert expected in lines, expected
    assert "PEP within 72 hours 6" in lines
    for small in ("Physical assault", "12-17 years", "26-40 years", "Male", "Family member", "Stranger"):
        line = next(x for x in lines if x.startswith(small + " "))
        assert line == f"{small} {PRIMARY}", line
    # The referral table's complementary cell: legal aid (10) hidden as "*" beside police (1) shown as "<5",
    # read in that table's part of the PDF (the services table lists the same services with other counts).
    titles = [str(t) for t in gbv._titles(72).values()]
    referral_title = str(gbv._titles(72)["referrals"])
    after = titles[titles.index(referral_title) + 1]
    referrals = flat.split(referral_title)[1].split(after)[0]
    referral_lines = [x for x in lines if x in referrals]
    police = str(ServiceType.POLICE.label)  # "Police / RIB investigation", as the directory names it
    assert "Legal aid *" in referral_lines and f"{police} {PRIMARY}" in referral_lines, referral_lines
    assert f"Legal aid {COMPLEMENTARY}" in referrals and "Legal aid 10" not in referrals
    # Each table carries its legend.
    assert flat.count("a count from 1 to 4") >= len(gbv.TABLES)
    assert flat.count("no hidden count can be worked out") >= len(gbv.TABLES)
    for secret in (NAME, PHONE, ACCOUNT, "GBV-", *[str(i.incident_date) for i in world.cases]):
        assert secret not in text
    # The HTML preview (the PDF's source) holds exactly the API's month column, table by table.
    html = services.render(
        user=world.supervisor, kind=KIND, params=_params(world), fmt="html"
    ).content.decode()
    for key in gbv.TABLES:
        block = html.split(f'id="table-{key}"')[1].split("</table>")[0]
        cells = re.findall(r'<td class="num">([^<]*)</td>', block)
        expected = [str(row["values"][0]).replace("<", "&lt;") for row in body["tables"][key]["rows"]]
        assert cells == expected, key


def test_an_export_is_audited_as_sensitive(world: World) -> None:
    before = AuditEvent.objects.filter(action=AuditAction.EXPORT).count()
    services.render(user=world.supervisor, kind=KIND, params=_params(world), fmt="xlsx")
    event = AuditEvent.objects.filter(action=AuditAction.EXPORT).latest("id")
    assert AuditEvent.objects.filter(action=AuditAction.EXPORT).count() == before + 1
    assert event.object_type == "reports.gbv-monthly" and event.sensitive
    assert event.actor_id == world.supervisor.pk
    assert event.changes["org_unit"] == "12" and event.changes["period"] == world.period
    assert event.object_repr == f"gbv-monthly-12-{world.period}-en.xlsx"


@pytest.mark.parametrize("who", ["nobody", "moderator"])
def test_without_gbv_statistics_permission_is_403(world: World, who: str) -> None:
    user = getattr(world, who)
    with pytest.raises(PermissionDenied) as exc:
        services.render(user=user, kind=KIND, params=_params(world), fmt="pdf")
    assert exc.value.status == 403
    assert KIND not in [k.code for k in kinds.all_kinds() if _may(user, k)]
    assert not AuditEvent.objects.filter(object_type="reports.gbv-monthly").exists()


def _may(user: Any, kind: Any) -> bool:
    from amahoro import policy

    return policy.has_perm(user, kind.perm)


@pytest.mark.parametrize(
    ("who", "org_unit"),
    [
        ("worker_nyarugenge", "12"),  # another district
        ("worker", "11"),
        ("supervisor", "1"),  # the province around their district: wider than their place
        ("supervisor", "RW"),
        ("supervisor", "NOPE"),  # unknown reads the same
    ],
)
def test_a_place_outside_the_users_scope_is_404(world: World, who: str, org_unit: str) -> None:
    with pytest.raises(NotFound) as exc:
        services.render(
            user=getattr(world, who), kind=KIND, params=_params(world, org_unit=org_unit), fmt="pdf"
        )
    assert exc.value.status == 404 and exc.value.field == "org_unit"
    assert not AuditEvent.objects.filter(object_type="reports.gbv-monthly").exists()


def test_the_country_officer_may_report_on_any_district(world: World) -> None:
    report = gbv.GbvMonthlyKind().build(
        user=world.me_officer,
        params=gbv.GbvMonthlyKind().parse(_params(world, org_unit="11")),
        progress=kinds.no_progress,
    )
    # One incident in Nyarugenge that month: under the 10-incident minimum, so nothing shows.
    assert report.incidents == "<10" and not report.own_cases_only
    assert all(v == "x" for s in report.sections for _, v in s.rows)


def test_a_case_role_may_report_on_its_sector_with_its_own_cases(world: World) -> None:
    kind = gbv.GbvMonthlyKind()
    report = kind.build(
        user=world.supervisor, params=kind.parse(_params(world, org_unit="1201")), progress=kinds.no_progress
    )
    assert report.own_cases_only and report.incidents == 15
    assert "Only your organisation's cases count" in gbv._counted(report)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"period": "202610"}, "org_unit"),
        ({"org_unit": "12"}, "period"),
        ({"org_unit": "12", "period": "2026"}, "period"),
        ({"org_unit": "12", "period": "2026Q3"}, "period"),
        ({"org_unit": "12", "period": "202613"}, "period"),
        ({"org_unit": "12", "period": "20261001"}, "period"),
        ({"org_unit": "12", "period": "209901"}, "period"),  # not begun
        ({"org_unit": "x" * 51, "period": "202610"}, "org_unit"),
        ({"org_unit": "12", "period": "202610", "lang": "de"}, "lang"),
    ],
)
def test_bad_parameters_are_refused_naming_the_field(params: dict[str, str], field: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        gbv.GbvMonthlyKind().parse(params)
    assert exc.value.field == field and exc.value.status == 400


def test_a_bad_format_is_refused(world: World) -> None:
    with pytest.raises(ValidationFailed) as exc:
        services.render(user=world.supervisor, kind=KIND, params=_params(world), fmt="csv")
    assert exc.value.field == "format"


@pytest.mark.parametrize("lang", ["en", "fr", "rw"])
def test_three_languages_render_with_the_same_figures(world: World, lang: str) -> None:
    params = _params(world, lang=lang)
    pdf = services.render(user=world.supervisor, kind=KIND, params=params, fmt="pdf")
    assert pdf.filename.endswith(f"-{lang}.pdf")
    text = _pdf_text(pdf.content)
    assert "15" in text and "Gasabo" in text
    html = services.render(user=world.supervisor, kind=KIND, params=params, fmt="html").content.decode()
    assert f'<html lang="{lang}">' in html
    xlsx = services.render(user=world.supervisor, kind=KIND, params=params, fmt="xlsx")
    ws = load_workbook(io.BytesIO(xlsx.content)).worksheets[0]
    values = [row[1] for row in ws.iter_rows(values_only=True) if len(row) > 1]
    assert 15 in values and 12 in values


def _squeezed(text: str) -> str:
    """Text without any whitespace (a PDF line may wrap a heading anywhere)."""
    return re.sub(r"\s+", "", text)


def _headings(lang: str) -> list[str]:
    """Headings of the report in `lang`, from the catalogue; each must differ from the English one."""
    from django.utils import translation

    english = ["GBV monthly statistics", "Incidents by type of GBV", "Generated on"]
    with translation.override(lang):
        translated = [
            str(gbv.GbvMonthlyKind.title),
            str(gbv._titles(72)["gbv_type"]),
            (gettext("Generated on %(date)s") % {"date": ""}).strip(),
        ]
    for en, there in zip(english, translated, strict=True):
        assert there and not there.startswith(en), (lang, en, there)
    return translated


ENGLISH_HEADINGS = ("GBV monthly statistics", "Incidents by type of GBV", "Generated on")


@pytest.mark.parametrize("lang", ["fr", "rw"])
def test_the_pdf_headings_are_translated(world: World, lang: str) -> None:
    content = services.render(user=world.supervisor, kind=KIND, params=_params(world, lang=lang), fmt="pdf")
    text = _squeezed(_pdf_text(content.content))
    for heading in _headings(lang):
        assert _squeezed(heading) in text, (lang, heading)
    for english in ENGLISH_HEADINGS:
        assert _squeezed(english) not in text, (lang, english)


@pytest.mark.parametrize("lang", ["fr", "rw"])
def test_the_xlsx_headings_are_translated(world: World, lang: str) -> None:
    content = services.render(user=world.supervisor, kind=KIND, params=_params(world, lang=lang), fmt="xlsx")
    ws = load_workbook(io.BytesIO(content.content)).worksheets[0]
    cells = [str(v) for row in ws.iter_rows(values_only=True) for v in row if isinstance(v, str)]
    title, gbv_type, generated = _headings(lang)
    assert cells[0] == title and gbv_type in cells
    assert any(c.startswith(generated) for c in cells), (lang, generated)
    for english in ENGLISH_HEADINGS:
        assert not [c for c in cells if english in c], (lang, english)


def test_the_kind_is_registered_with_its_contract() -> None:
    kind = kinds.get(KIND)
    assert kind.formats == ("pdf", "xlsx") and kind.frequencies == ("monthly",)
    assert kind.perm.value == "case.statistics"
    assert kind.filename({"org_unit": "12/../é", "period": "202610", "lang": "fr"}, "pdf") == (
        "gbv-monthly-12_____-202610-fr.pdf"
    )


def test_a_scheduled_send_reports_on_the_last_complete_month() -> None:
    kind = gbv.GbvMonthlyKind()
    params = {"org_unit": "12", "lang": "en"}
    assert kind.scheduled_params(params, today=dt.date(2026, 11, 5), frequency="monthly") == {
        **params,
        "period": "202610",
    }
    assert kind.scheduled_params(params, today=dt.date(2027, 1, 1), frequency="monthly")["period"] == "202612"
    with pytest.raises(ValidationFailed) as exc:
        kind.scheduled_params(params, today=dt.date(2026, 11, 5), frequency="quarterly")
    assert exc.value.field == "frequency"


def test_the_http_download_is_the_statistics_apis_figures_and_refuses_outsiders(
    world: World, api_client: Any
) -> None:
    body = _api_tables(api_client, world.supervisor, world)
    url = f"/api/v1/reports/{KIND}.xlsx"
    r = api_client.get(url, {"org_unit": "12", "period": world.period})
    assert r.status_code == 200, r.content[:300]
    assert f'gbv-monthly-12-{world.period}-en.xlsx"' in r["Content-Disposition"]
    assert "no-store" in r["Cache-Control"]
    _, sections = _xlsx_sections(r.content)
    titles = gbv._titles(72)
    for key in gbv.TABLES:
        assert [v for _, v in sections[str(titles[key])]] == [
            row["values"][0] for row in body["tables"][key]["rows"]
        ]
    assert AuditEvent.objects.filter(
        action=AuditAction.EXPORT, object_type="reports.gbv-monthly", actor=world.supervisor, sensitive=True
    ).exists()
    for user, org_unit, status in (
        (world.worker_nyarugenge, "12", 404),
        (world.supervisor, "11", 404),
        (world.nobody, "12", 403),
        (world.moderator, "12", 403),
    ):
        api_client.force_authenticate(user)
        r = api_client.get(f"/api/v1/reports/{KIND}.pdf", {"org_unit": org_unit, "period": world.period})
        assert r.status_code == status, (user, org_unit, r.content[:200])
        assert not r.content.startswith(b"%PDF")
    api_client.force_authenticate(None)
    r = api_client.get(f"/api/v1/reports/{KIND}.pdf", {"org_unit": "12", "period": world.period})
    assert r.status_code in (401, 403)
