"""The NAP annual progress report: figures read back from the PDF (pypdf) and the XLSX (openpyxl) against
values computed here from the posted data, the honest summary, the three languages, refusal outside the
user's scope, funding only for those who may see it, and parameter errors naming the field."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import pytest
from django.utils import formats, timezone, translation
from openpyxl import load_workbook
from pypdf import PdfReader

from amahoro import policy
from amahoro.consultations.models import Assessment, ConsultationRound, Moderation
from amahoro.core.errors import NotFound, ValidationFailed
from amahoro.frameworks import services as fw_services
from amahoro.frameworks.tests.factories import load_sex_age, put
from amahoro.funding import services as funding_services
from amahoro.geo.models import OrgUnit
from amahoro.participation import reference as participation_ref
from amahoro.participation.services import participation_setup
from amahoro.reports import kinds, services
from amahoro.roles import Perm

pytestmark = pytest.mark.django_db
FW = "NAPT"

# The posted values (data element, org unit, period, value, option combo).
REACH = [
    ("GBV_AWARE", "1101", "202401", 30, "F_15_24"),  # Nyarugenge (11)
    ("GBV_AWARE", "12", "202403", 40, "M_15_24"),  # Gasabo
    ("GBV_AWARE", "11", "2024Q2", 20, "F_25_49"),  # Nyarugenge
    ("GBV_AWARE", "12", "2023", 60, "F_15_24"),  # the year before: trend only
]
REACH_TARGET = 200
PARTICIPANTS = [("PARTICIPANTS", "RW", "2024", 75, "default")]
COMMITTEES_TARGET = 12


def _unit(code: str) -> OrgUnit:
    return OrgUnit.objects.get(code=code)


@pytest.fixture
def plan(cast: Any) -> Any:
    """Pillar P1 > outcomes O1 (reach: target, data) and O2 (participants: data, no target); pillar P2 >
    outcome O3 (committees: target, no data)."""
    load_sex_age()
    s = policy.SYSTEM
    fw = fw_services.framework_create(
        actor=s, code=FW, name="Test NAP", organisation=cast.ngo, start="2022-01-01", end="2026-12-31"
    )
    p1 = fw_services.node_create(actor=s, framework=fw, code="P1", name="Prevention", kind="pillar")
    p2 = fw_services.node_create(actor=s, framework=fw, code="P2", name="Participation", kind="pillar")
    o1 = fw_services.node_create(
        actor=s, framework=fw, code="O1", name="Communities know", kind="outcome", parent=p1
    )
    o2 = fw_services.node_create(
        actor=s, framework=fw, code="O2", name="People take part", kind="outcome", parent=p1
    )
    o3 = fw_services.node_create(
        actor=s, framework=fw, code="O3", name="Committees work", kind="outcome", parent=p2
    )
    reach, _ = fw_services.indicator_save(
        actor=s, code="NAPT-REACH", framework=fw, nodes=[o1], name="People reached",
        numerator="#{GBV_AWARE}", unit="people", baseline_value=12.5,
    )  # fmt: skip
    fw_services.indicator_save(
        actor=s, code="NAPT-PART", framework=fw, nodes=[o2], name="Participants", numerator="#{PARTICIPANTS}"
    )
    committees, _ = fw_services.indicator_save(
        actor=s, code="NAPT-COMM", framework=fw, nodes=[o3], name="Committees", numerator="#{COMMITTEES}",
        aggregation_time="last",
    )  # fmt: skip
    fw_services.target_set(actor=s, indicator=reach, org_unit=_unit("RW"), period="2024", value=REACH_TARGET)
    fw_services.target_set(
        actor=s, indicator=committees, org_unit=_unit("RW"), period="2024", value=COMMITTEES_TARGET
    )
    for de, ou, period, value, coc in REACH + PARTICIPANTS:
        put(de, ou, period, value, coc)
    return fw


def _reach_2024(district_prefix: str = "") -> float:
    """The indicator's value, computed from the posted rows: a sum over 2024 in the place's subtree."""
    return sum(
        v for _de, ou, period, v, _c in REACH if period.startswith("2024") and ou.startswith(district_prefix)
    )


def render(user: Any, fmt: str, **params: str) -> bytes:
    return services.render(
        user=user, kind="nap-progress", params={"framework": FW, "period": "2024", **params}, fmt=fmt
    ).content


def pdf_text(content: bytes) -> str:
    text = "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages)
    return re.sub(r"[ \u00a0\u202f]+", " ", text)


def rows_of(ws: Any) -> list[tuple[Any, ...]]:
    return [r for r in ws.iter_rows(values_only=True) if any(v is not None for v in r)]


def test_pdf_shows_actual_target_and_percent_computed_from_the_posted_values(cast: Any, plan: Any) -> None:
    text = pdf_text(render(cast.ngo_admin, "pdf"))
    actual = _reach_2024()
    assert actual == 90
    percent = round(100 * actual / REACH_TARGET)  # 45
    # cover
    assert "Test NAP" in text and "NAP annual progress report" in text and "Rwanda" in text
    assert "NGO1" in text  # prepared by the organisation, not a person's name
    assert "ngo_admin" not in text
    # the indicator line: baseline, target, actual, % of target, status
    line = next(ln for ln in text.splitlines() if "NAPT-REACH" in ln and "People reached" in ln)
    assert re.search(rf"12\.5 {REACH_TARGET} {int(actual)} {percent} % Off track", line), line
    assert re.search(r"NAPT-PART Participants.*– – 75 – No target", text)
    assert re.search(rf"NAPT-COMM Committees.*– {COMMITTEES_TARGET} – – No data", text)


def test_summary_is_honest_about_outcomes_that_cannot_be_assessed(cast: Any, plan: Any) -> None:
    text = pdf_text(render(cast.ngo_admin, "pdf"))
    # O1 off track (45%), O2 no target, O3 no data: two of three cannot be assessed, so the plan cannot be.
    assert "2 of 3 outcomes cannot be assessed: no data or no target." in text
    assert "Overall status: Cannot be assessed" in text
    assert "Overall status: On track" not in text
    wb = load_workbook(io.BytesIO(render(cast.ngo_admin, "xlsx")))
    summary = rows_of(wb["Summary"])
    by_name = {r[0]: r for r in summary}
    # pillar, outcomes, on track, at risk, off track, no data, no target, status
    # one of two: still assessed, and the label says how many were not (frameworks.selectors.honest_status)
    assert by_name["Prevention"][1:8] == (
        2,
        0,
        0,
        1,
        0,
        1,
        "Off track for 1 of 2 outcomes (1 without data or target)",
    )
    assert by_name["Participation"][1:8] == (1, 0, 0, 0, 1, 0, "Cannot be assessed")
    assert by_name["Total"][1:8] == (3, 0, 0, 1, 1, 1, "Cannot be assessed")
    assert by_name["Overall status"][:2] == ("Overall status", "Cannot be assessed")


def test_xlsx_figures_match_the_posted_values(cast: Any, plan: Any) -> None:
    wb = load_workbook(io.BytesIO(render(cast.ngo_admin, "xlsx")))
    assert wb.sheetnames == [
        "Summary", "Indicators", "Funding", "Civil society", "Participation", "Data completeness"
    ]  # fmt: skip
    ws = wb["Indicators"]
    header = next(r for r in ws.iter_rows(values_only=True) if r[0] == "Pillar / objective")
    lines = {r[2]: dict(zip(header, r, strict=False)) for r in rows_of(ws) if str(r[2]).startswith("NAPT-")}
    reach = lines["NAPT-REACH"]
    assert (reach["Baseline"], reach["Target"], reach["Actual"]) == (12.5, REACH_TARGET, _reach_2024())
    assert reach["% of target"] == pytest.approx(_reach_2024() / REACH_TARGET)
    assert reach["Status"] == "Off track" and reach["Outcome"] == "Communities know"
    assert (lines["NAPT-PART"]["Actual"], lines["NAPT-PART"]["Target"]) == (75, None)
    assert (lines["NAPT-COMM"]["Actual"], lines["NAPT-COMM"]["Target"]) == (None, COMMITTEES_TARGET)
    # no formula anywhere, numbers as numbers
    for sheet in wb.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert not (isinstance(cell.value, str) and cell.value.startswith("="))
    # the completeness annex: periods with data of the type the values come in, places reporting
    comp = {r[0]: r for r in rows_of(wb["Data completeness"]) if str(r[0]).startswith("NAPT-")}
    monthly_2024 = {p for _d, _o, p, _v, _c in REACH if p.startswith("2024") and len(p) == 6 and "Q" not in p}
    places_2024 = {o for _d, o, p, _v, _c in REACH if p.startswith("2024")}
    assert comp["NAPT-REACH"][2:7] == (
        "Monthly",
        len(monthly_2024),
        12,
        pytest.approx(2 / 12),
        len(places_2024),
    )
    assert comp["NAPT-PART"][2:7] == ("Yearly", 1, 1, 1, 1)
    assert comp["NAPT-COMM"][2:7] == ("Yearly", 0, 1, 0, 0)


def test_figures_are_read_as_the_user_inside_their_district(cast: Any, plan: Any) -> None:
    # The Nyarugenge viewer's report is about district 11 (their root): only its values count.
    wb = load_workbook(io.BytesIO(render(cast.viewer_nyarugenge, "xlsx")))
    reach = next(r for r in rows_of(wb["Indicators"]) if r[2] == "NAPT-REACH")
    assert reach[7] == _reach_2024("11") == 50
    assert "Nyarugenge" in rows_of(wb["Summary"])[1][0]


def test_trend_chart_is_drawn_from_the_plan_years(cast: Any, plan: Any) -> None:
    html = render(cast.ngo_admin, "html").decode()
    # One chart per indicator with values in the period (reach, participants; committees have none).
    assert html.count('class="chart-line"') == 2
    chart = html[html.index('aria-label="People reached"') :]
    chart = chart[: chart.index("</svg>")]
    # The plan starts in 2022: the trend shows 2022, 2023 (60 reached) and 2024 (90) against 200 in 2024.
    assert all(year in chart for year in ("2022", "2023", "2024"))
    assert str(int(_reach_2024())) in chart


def _square(x: float, y: float) -> dict[str, Any]:
    ring = [[x, y], [x + 0.1, y], [x + 0.1, y + 0.1], [x, y + 0.1], [x, y]]
    return {"type": "Polygon", "coordinates": [ring]}


def test_district_map_where_the_indicator_is_collected_by_place(cast: Any, plan: Any) -> None:
    OrgUnit.objects.filter(code="11").update(geometry=_square(30.0, -2.0), geometry_source="test shapes")
    OrgUnit.objects.filter(code="12").update(geometry=_square(30.1, -2.0), geometry_source="test shapes")
    html = render(cast.ngo_admin, "html").decode()
    # Reach has values in districts 11 and 12: mapped; participants only nationally: not mapped.
    assert html.count('class="chart-map"') == 1
    assert 'aria-label="People reached by district"' in html
    # A district viewer's report is about one district: no map.
    assert 'class="chart-map"' not in render(cast.viewer_nyarugenge, "html").decode()


def test_other_organisation_and_no_role_get_not_found(cast: Any, plan: Any) -> None:
    for user in (cast.police_me_nyarugenge, cast.nobody):
        with pytest.raises(NotFound):
            render(user, "pdf")
    with pytest.raises(NotFound):
        render(cast.ngo_admin, "pdf", framework="NOPE")


@pytest.fixture
def money(cast: Any, plan: Any) -> dict[str, int]:
    s = policy.SYSTEM
    p1 = plan.nodes.get(code="P1")
    funding_services.budget_line_create(
        actor=s, organisation=cast.ngo, node=p1, amount=1000000, currency="RWF", fiscal_year="2024July"
    )
    funding_services.transaction_create(
        actor=s, organisation=cast.ngo, node=p1, kind="commitment", amount=600000, currency="RWF",
        date=dt.date(2024, 8, 1),
    )  # fmt: skip
    funding_services.transaction_create(
        actor=s, organisation=cast.ngo, node=p1, kind="disbursement", amount=250000, currency="RWF",
        date=dt.date(2024, 9, 1),
    )  # fmt: skip
    return {"planned": 1000000, "committed": 600000, "disbursed": 250000}


def test_funding_per_pillar_and_agency(cast: Any, money: dict[str, int]) -> None:
    gap = money["planned"] - money["committed"]
    text = pdf_text(render(cast.ngo_admin, "pdf"))
    assert re.search(r"Prevention 1,000,000 600,000 250,000 400,000", text)
    assert re.search(r"NGO1 organisation 1,000,000 600,000 250,000 400,000", text)
    wb = load_workbook(io.BytesIO(render(cast.ngo_admin, "xlsx")))
    rows = {r[0]: r for r in rows_of(wb["Funding"])}
    assert rows["Prevention"][1:5] == (money["planned"], money["committed"], money["disbursed"], gap)
    assert rows["Participation"][1:5] == (0, 0, 0, 0)
    assert rows["NGO1 organisation"][1:5] == (money["planned"], money["committed"], money["disbursed"], gap)


def test_funding_is_left_out_for_a_user_without_funding_view(
    cast: Any, money: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    real = policy.permissions_for
    monkeypatch.setattr(policy, "permissions_for", lambda role: real(role) - {Perm.FUNDING_VIEW})
    policy.forget(cast.ngo_admin)
    assert not policy.has_perm(cast.ngo_admin, Perm.FUNDING_VIEW)
    text = pdf_text(render(cast.ngo_admin, "pdf"))
    assert "Funding is not shown" in text
    assert "1,000,000" not in text and "Per agency" not in text
    wb = load_workbook(io.BytesIO(render(cast.ngo_admin, "xlsx")))
    assert [r[0] for r in rows_of(wb["Funding"])][-1].startswith("Funding is not shown")
    assert "1000000" not in str(rows_of(wb["Funding"]))


def test_civil_society_assessment_beside_the_official_status(cast: Any, plan: Any) -> None:
    rnd = ConsultationRound.objects.create(
        framework=plan, organisation=cast.ngo, title="Shadow review 2024", period="2024",
        published_at=timezone.now(),
    )  # fmt: skip
    for n, rating in enumerate((4, 4, 5)):
        Assessment.objects.create(
            round=rnd, node=plan.nodes.get(code="O1"), organisation=cast.ngo, author_index=f"a{n}",
            rating=rating, moderation=Moderation.APPROVED,
        )  # fmt: skip
    Assessment.objects.create(  # not approved: does not count
        round=rnd, node=plan.nodes.get(code="O1"), organisation=cast.ngo, author_index="x", rating=1
    )
    text = pdf_text(render(cast.ngo_admin, "pdf"))
    assert "Shadow review 2024" in text
    # mean of 4, 4, 5 = 4.3 -> "Substantial progress" (4), three approved assessments
    assert re.search(r"O1 Communities know Off track Substantial progress 3", text)
    wb = load_workbook(io.BytesIO(render(cast.ngo_admin, "xlsx")))
    o1 = next(r for r in rows_of(wb["Civil society"]) if r[0] == "Communities know")
    assert o1[1:5] == ("Off track", "Substantial progress", pytest.approx(4.3), 3)


def test_participation_against_the_parity_targets(cast: Any, plan: Any) -> None:
    participation_setup(actor=policy.SYSTEM)
    pk = participation_ref.PK_ELEMENT
    troops = participation_ref.PERSONNEL_TYPES[0]
    put(pk, "RW", "202406", 12, participation_ref.coc_code("F", troops.option))
    put(pk, "RW", "202406", 88, participation_ref.coc_code("M", troops.option))
    put(pk, "RW", "202503", 40, participation_ref.coc_code("F", troops.option))  # after the period
    put("WPS_CABINET", "RW", "2024", 11, "F")
    put("WPS_CABINET", "RW", "2024", 14, "M")
    put("WPS_LOCAL_COUNCILS", "RW", "2025", 9, "F")  # its latest figure is after the period: left out
    wb = load_workbook(io.BytesIO(render(cast.ngo_admin, "xlsx")))
    rows = {r[0]: r for r in rows_of(wb["Participation"])}
    share = round(100 * 12 / (12 + 88), 1)
    assert rows[troops.label][2:6] == (12, 88, share, troops.target_2028)
    cabinet = rows["Cabinet members (ministers and ministers of state)"]
    assert cabinet[2:6] == (11, 14, round(100 * 11 / 25, 1), 50)
    assert "District council members" not in rows
    text = pdf_text(render(cast.ngo_admin, "pdf"))
    assert (
        f"Troops June 2024 12 88 {share} % {troops.target_2028:.0f} % {share - troops.target_2028:.1f}"
        in text
    )


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_no_participation_figures_is_said_in_the_pdf_and_the_xlsx(cast: Any, plan: Any, lang: str) -> None:
    with translation.override(lang):
        sentence = translation.gettext("No participation figures are recorded.")
    assert lang == "en" or sentence != "No participation figures are recorded."
    wb = load_workbook(io.BytesIO(render(cast.ngo_admin, "xlsx", lang=lang)))
    sheet = wb.worksheets[4]  # Participation
    assert [sentence] in [[v for v in r if v is not None] for r in rows_of(sheet)]
    assert "".join(sentence.split()) in "".join(pdf_text(render(cast.ngo_admin, "pdf", lang=lang)).split())
    # With figures, the sentence is gone.
    participation_setup(actor=policy.SYSTEM)
    put("WPS_CABINET", "RW", "2024", 11, "F")
    again = load_workbook(io.BytesIO(render(cast.ngo_admin, "xlsx", lang=lang))).worksheets[4]
    assert sentence not in [v for r in rows_of(again) for v in r]


@pytest.mark.parametrize(
    ("lang", "status"), [("en", "Off track"), ("fr", "Aucune cible"), ("rw", "Nta ntego")]
)
def test_three_languages_render(cast: Any, plan: Any, lang: str, status: str) -> None:
    html = render(cast.ngo_admin, "html", lang=lang).decode()
    assert f'<html lang="{lang}">' in html
    assert status in html
    with translation.override(lang):
        today = formats.date_format(timezone.localdate(), "DATE_FORMAT")
        baseline = formats.number_format(12.5, 1, use_l10n=True)
    assert today in html and baseline in html
    if lang == "fr":
        assert "12,5" in html
    pdf = render(cast.ngo_admin, "pdf", lang=lang)
    assert pdf.startswith(b"%PDF")
    assert status in pdf_text(pdf)


def test_filename_and_scheduled_period() -> None:
    kind = kinds.get("nap-progress")
    assert kind.filename({"framework": "RW-NAP1325-2018", "period": "2025", "lang": "fr"}, "pdf") == (
        "nap-progress-RW-NAP1325-2018-2025-fr.pdf"
    )
    nov = dt.date(2026, 11, 5)
    assert kind.scheduled_params({"framework": "X"}, today=nov, frequency="monthly")["period"] == "202610"
    assert kind.scheduled_params({"framework": "X"}, today=nov, frequency="quarterly")["period"] == "2026Q3"
    jan = dt.date(2027, 1, 10)
    assert kind.scheduled_params({}, today=jan, frequency="quarterly")["period"] == "2026Q4"
    assert kind.scheduled_params({}, today=jan, frequency="monthly")["period"] == "202612"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"period": "2024"}, "framework"),
        ({"framework": "a b", "period": "2024"}, "framework"),
        ({"framework": FW}, "period"),
        ({"framework": FW, "period": "2024Q7"}, "period"),
        ({"framework": FW, "period": "2024", "lang": "de"}, "lang"),
        ({"framework": FW, "period": str(dt.date.today().year + 1)}, "period"),  # not begun
        ({"framework": FW, "period": f"{dt.date.today().year + 1}Q1"}, "period"),
        ({"framework": FW, "period": "2024", "org_unit": "../x"}, "org_unit"),
    ],
)
def test_parse_errors_name_the_field(params: dict[str, str], field: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        kinds.get("nap-progress").parse(params)
    assert exc.value.field == field


def test_parse_normalises(cast: Any) -> None:
    assert kinds.get("nap-progress").parse({"framework": " NAPT ", "period": "2024", "org_unit": "11"}) == {
        "framework": "NAPT", "period": "2024", "lang": "en", "org_unit": "11"
    }  # fmt: skip


def test_unknown_org_unit_is_not_found(cast: Any, plan: Any) -> None:
    with pytest.raises(NotFound) as exc:
        render(cast.ngo_admin, "xlsx", org_unit="ZZZ")
    assert exc.value.field == "org_unit"
    with pytest.raises(NotFound):  # outside the viewer's district
        render(cast.viewer_nyarugenge, "xlsx", org_unit="12")


def test_progress_is_reported_as_the_report_builds(cast: Any, plan: Any) -> None:
    seen: list[tuple[int, str]] = []
    services.render(
        user=cast.ngo_admin,
        kind="nap-progress",
        params={"framework": FW, "period": "2024"},
        fmt="xlsx",
        progress=lambda pct, stage: seen.append((pct, stage)),
    )
    percents = [p for p, _s in seen]
    assert percents == sorted(percents) and percents[0] == 5 and percents[-1] == 100
    assert {"NAPT-REACH", "NAPT-PART", "NAPT-COMM"} <= {s for _p, s in seen}
