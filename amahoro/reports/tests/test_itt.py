"""The indicator tracking table: figures per period, cumulative by the indicator's time aggregation, % achieved,
disaggregations as sub-rows, read as the user; the workbook (frozen headers, numbers, never a formula) and the
PDF show the same figures; bad parameters name their field."""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from typing import Any

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from amahoro import policy
from amahoro.core.errors import NotFound, PermissionDenied, ValidationFailed
from amahoro.frameworks import services as fw_services
from amahoro.frameworks.models import Framework
from amahoro.frameworks.tests.factories import put
from amahoro.geo.models import OrgUnit
from amahoro.metadata import periods as period_lib
from amahoro.metadata.tests.factories import load_sex_age
from amahoro.reports import itt, kinds, pdf, services

pytestmark = pytest.mark.django_db

# (data element, org unit, period, value, option combo): GBV_AWARE is disaggregated by sex and age.
REACH_DATA = [
    ("1101", "202501", 30, "F_15_24"),
    ("1101", "202502", 10, "M_25_49"),
    ("11", "2025Q2", 20, "F_25_49"),
    ("12", "202507", 40, "M_15_24"),  # Gasabo: outside Nyarugenge's scope
    ("1101", "202511", 5, "F_25_49"),
    ("1101", "2024Q4", 999, "F_15_24"),  # before the range
]
# COMMITTEES is a stock (aggregation LAST): the latest value per place counts, not their sum.
COMMITTEE_DATA = [("11", "2025Q1", 3), ("11", "2025Q3", 5), ("12", "2025Q3", 2)]
REACH_TARGETS = {"2025Q1": 50, "2025Q2": 20, "2025Q3": 40, "2025Q4": 10}
QUARTERS = ["2025Q1", "2025Q2", "2025Q3", "2025Q4"]
INJECTION = '=HYPERLINK("http://evil.example/","click")'
OPTIONS = {"F": ("F_15_24", "F_25_49"), "M": ("M_15_24", "M_25_49"), "15_24": ("F_15_24", "M_15_24")}
OPTIONS["25_49"] = ("F_25_49", "M_25_49")
NYARUGENGE = ("11", "1101")


def quarter_of(period: str) -> str | None:
    p = period_lib.parse_period(period)
    if p.type == "Yearly":
        return None
    code = f"{p.start.year}Q{(p.start.month - 1) // 3 + 1}"
    return code if period_lib.parse_period(code).end >= p.end else None


def expected_reach(*, places: tuple[str, ...] | None = None, cocs: tuple[str, ...] | None = None) -> dict:
    """Per quarter of 2025 and cumulative, computed from REACH_DATA, independently of the code under test."""
    per: dict[str, float] = defaultdict(float)
    for ou, period, value, coc in REACH_DATA:
        q = quarter_of(period)
        if q in QUARTERS and (places is None or ou in places) and (cocs is None or coc in cocs):
            per[q] += value
    return {"quarters": [per.get(q) for q in QUARTERS], "total": sum(per.values())}


@pytest.fixture
def plan(cast: Any) -> Framework:
    load_sex_age()
    fw = fw_services.framework_create(
        actor=policy.SYSTEM, code="ITT-T", name="Safe communities log-frame", organisation=cast.ngo
    )
    pillar = fw_services.node_create(
        actor=policy.SYSTEM, framework=fw, code="P1", name="Prevention", kind="pillar"
    )
    outcome = fw_services.node_create(
        actor=policy.SYSTEM, framework=fw, code="O1", name="Communities know", kind="outcome", parent=pillar
    )
    output = fw_services.node_create(
        actor=policy.SYSTEM, framework=fw, code="O1.1", name="Committees work", kind="output", parent=outcome
    )
    fw_services.node_create(  # no indicator under it: not listed
        actor=policy.SYSTEM, framework=fw, code="P9", name="Empty pillar", kind="pillar"
    )
    reach, _ = fw_services.indicator_save(
        actor=policy.SYSTEM,
        code="ITT-REACH",
        framework=fw,
        nodes=[outcome],
        name="People reached",
        numerator="#{GBV_AWARE}",
        type="count",
        unit="people",
        baseline_value=12,
        definition="People attending an awareness session",
    )
    fw_services.indicator_save(
        actor=policy.SYSTEM,
        code="ITT-WOMEN",
        framework=fw,
        nodes=[outcome],
        name="Share of women reached",
        numerator="#{GBV_AWARE.F_15_24} + #{GBV_AWARE.F_25_49}",
        denominator="#{GBV_AWARE}",
        factor=100,
        type="percentage",
        unit="%",
    )
    fw_services.indicator_save(
        actor=policy.SYSTEM,
        code="ITT-COMM",
        framework=fw,
        nodes=[output],
        name=INJECTION,
        numerator="#{COMMITTEES}",
        type="count",
        unit="committees",
        aggregation_time="last",
        decimals=0,
    )
    rw = OrgUnit.objects.get(code="RW")
    for period, value in REACH_TARGETS.items():
        fw_services.target_set(actor=policy.SYSTEM, indicator=reach, org_unit=rw, period=period, value=value)
    nyarugenge = OrgUnit.objects.get(code="11")
    fw_services.target_set(
        actor=policy.SYSTEM, indicator=reach, org_unit=nyarugenge, period="2025", value=100
    )
    for ou, period, value, coc in REACH_DATA:
        put("GBV_AWARE", ou, period, value, coc, organisation=cast.ngo)
    for ou, period, value in COMMITTEE_DATA:
        put("COMMITTEES", ou, period, value, organisation=cast.ngo)
    return fw


def render(user: Any, fmt: str = "xlsx", **params: str) -> bytes:
    params = {"framework": "ITT-T", "start": "2025Q1", "end": "2025Q4", **params}
    return services.render(user=user, kind="itt", params=params, fmt=fmt).content


def sheet_rows(content: bytes) -> tuple[Any, dict[str, list[Any]]]:
    """The sheet and its rows by the text of their first two cells ("ITT-REACH", "Sex: Female", ...)."""
    ws = load_workbook(io.BytesIO(content)).active
    rows: dict[str, list[Any]] = {}
    for values in ws.iter_rows(values_only=True):
        key = values[0] or values[1]
        if isinstance(key, str) and key not in rows:
            rows[key] = list(values)
    return ws, rows


def actuals(row: list[Any], periods: int = 4) -> list[Any]:
    return [row[4 + 2 * n + 1] for n in range(periods)]


def targets(row: list[Any], periods: int = 4) -> list[Any]:
    return [row[4 + 2 * n] for n in range(periods)]


def tail(row: list[Any], periods: int = 4) -> list[Any]:
    """cumulative target, cumulative actual, % achieved, notes"""
    return row[4 + 2 * periods : 8 + 2 * periods]


# ---------------------------------------------------------------------------------------------------------
# The workbook


def test_actuals_per_quarter_cumulative_and_achievement_national(cast: Any, plan: Framework) -> None:
    ws, rows = sheet_rows(render(cast.ngo_admin))
    want = expected_reach()
    reach = rows["ITT-REACH"]
    assert reach[1] == "People reached" and reach[2] == "people" and reach[3] == 12
    assert actuals(reach) == want["quarters"] == [40, 20, 40, 5]
    assert targets(reach) == [REACH_TARGETS[q] for q in QUARTERS]
    total_target = sum(REACH_TARGETS.values())
    cum_target, cum_actual, achieved, notes = tail(reach)
    assert (cum_target, cum_actual) == (total_target, want["total"])
    assert achieved == pytest.approx(want["total"] / total_target)
    assert "People attending an awareness session" in notes and "sum" in notes
    # Number formats: whole counts, a percentage for % achieved.
    row_no = next(r[0].row for r in ws.iter_rows() if r[0].value == "ITT-REACH")
    assert ws.cell(row=row_no, column=6).number_format == "#,##0"
    assert ws.cell(row=row_no, column=15).number_format == "0%"


def test_a_stock_takes_the_last_value_and_a_share_divides_the_sums(cast: Any, plan: Framework) -> None:
    _, rows = sheet_rows(render(cast.ngo_admin))
    comm = next(r for key, r in rows.items() if key == "ITT-COMM")
    per_quarter: dict[str, dict[str, float]] = defaultdict(dict)
    for ou, period, value in COMMITTEE_DATA:
        per_quarter[period][ou] = value
    assert actuals(comm) == [sum(per_quarter[q].values()) or None for q in QUARTERS]  # [3, None, 7, None]
    latest: dict[str, float] = {}
    for ou, _period, value in sorted(COMMITTEE_DATA, key=lambda d: d[1]):
        latest[ou] = value
    assert tail(comm)[1] == sum(latest.values()) == 7  # not 3 + 5 + 2
    assert "no target" in tail(comm)[3] and "latest" in tail(comm)[3]

    women = rows["ITT-WOMEN"]
    women_q = [
        (f / a * 100 if f else None) if a else None
        for f, a in zip(
            expected_reach(cocs=OPTIONS["F"])["quarters"], expected_reach()["quarters"], strict=True
        )
    ]
    assert actuals(women) == [pytest.approx(v, abs=0.01) if v else None for v in women_q]
    # A share sums its numerator and denominator over the range, then divides.
    women_total = expected_reach(cocs=OPTIONS["F"])["total"] / expected_reach()["total"] * 100
    assert tail(women)[1] == pytest.approx(women_total, abs=0.01)


def test_disaggregations_are_sub_rows_per_category_option(cast: Any, plan: Framework) -> None:
    _, rows = sheet_rows(render(cast.ngo_admin))
    keys = list(rows)
    at = keys.index("ITT-REACH")
    assert keys[at + 1 : at + 5] == [
        "Age band: 15-24",
        "Age band: 25-49",
        "Sex: Female",
        "Sex: Male",
    ] or keys[at + 1 : at + 5] == ["Sex: Female", "Sex: Male", "Age band: 15-24", "Age band: 25-49"]
    for label, option in (
        ("Sex: Female", "F"),
        ("Sex: Male", "M"),
        ("Age band: 15-24", "15_24"),
        ("Age band: 25-49", "25_49"),
    ):
        want = expected_reach(cocs=OPTIONS[option])
        row = rows[label]
        assert actuals(row) == want["quarters"], label
        assert tail(row)[1] == want["total"], label
        assert targets(row) == [None] * 4 and tail(row)[0] is None and tail(row)[2] is None
    # The options add up to the indicator.
    assert tail(rows["Sex: Female"])[1] + tail(rows["Sex: Male"])[1] == tail(rows["ITT-REACH"])[1]
    # Headings: pillar, outcome, output in tree order; the empty pillar is left out.
    assert [k for k in keys if k in ("P1", "O1", "O1.1", "P9")] == ["P1", "O1", "O1.1"]
    assert rows["P1"][1] == "Pillar / objective: Prevention"


def test_title_block_frozen_two_header_rows_and_no_formula(cast: Any, plan: Framework) -> None:
    ws, _ = sheet_rows(render(cast.ngo_admin))
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert ws["A1"].value == "Indicator tracking table"
    assert any("Safe communities log-frame" in t for t in texts[:6])
    assert any("2025Q1..2025Q4" in t for t in texts[:6]) and any(t.startswith("Generated on") for t in texts)
    header = next(r[0].row for r in ws.iter_rows() if r[0].value == "Code")
    assert [ws.cell(row=header, column=c).value for c in (5, 7, 13)] == ["2025 Q1", "2025 Q2", "Cumulative"]
    assert [ws.cell(row=header + 1, column=c).value for c in (5, 6, 13, 14)] == ["Target", "Actual"] * 2
    assert ws.freeze_panes == f"C{header + 2}"
    assert ws.column_dimensions["B"].width == 48
    # The indicator named like a formula is text, and nothing anywhere is a formula.
    assert "'" + INJECTION in texts
    assert not [t for t in texts if t.startswith("=")]
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)


def test_figures_are_read_as_the_user(cast: Any, plan: Framework) -> None:
    # An M&E officer of Nyarugenge sees its values only, against Nyarugenge's yearly target.
    _, rows = sheet_rows(render(cast.me_nyarugenge))
    want = expected_reach(places=NYARUGENGE)
    reach = rows["ITT-REACH"]
    assert actuals(reach) == want["quarters"] and tail(reach)[1] == want["total"] == 65
    assert targets(reach) == [None] * 4  # a yearly target is not split into quarters
    assert tail(reach)[0] == 100 and tail(reach)[2] == pytest.approx(0.65)
    assert "Nyarugenge" in load_workbook(io.BytesIO(render(cast.me_nyarugenge))).active["A3"].value


def test_monthly_range_and_an_org_unit(cast: Any, plan: Framework) -> None:
    _, rows = sheet_rows(render(cast.ngo_admin, start="202501", end="202512", org_unit="11"))
    reach = rows["ITT-REACH"]
    months = actuals(reach, 12)
    assert months[:3] == [30, 10, None] and months[10] == 5 and months[6] is None  # Gasabo is outside "11"
    # The quarterly value of 2025Q2 is in no month, but in the cumulative of the year.
    assert tail(reach, 12)[1] == expected_reach(places=NYARUGENGE)["total"]
    assert tail(reach, 12)[0] == 100  # Nyarugenge's 2025 target covers the range exactly


def test_a_yearly_range_uses_the_exact_target_and_the_notes_explain(cast: Any, plan: Framework) -> None:
    fw_services.indicator_save(
        actor=policy.SYSTEM,
        code="ITT-REACH",
        direction="lower",
        baseline_date=dt.date(2024, 6, 30),
        aggregation_time="average",
    )
    _, rows = sheet_rows(render(cast.me_nyarugenge, start="2025", end="2025"))
    reach = rows["ITT-REACH"]
    # Average over the periods with data, per place (1101: Jan 30, Feb 10, Nov 5; 11: Q2 20), then summed.
    cumulative = (30 + 10 + 5) / 3 + 20
    assert reach[4:6] == [100, pytest.approx(cumulative, abs=0.01)]  # the one period: 2025
    assert tail(reach, 1)[:2] == [100, pytest.approx(cumulative, abs=0.01)]
    assert tail(reach, 1)[2] == pytest.approx(100 / cumulative)  # lower is better: target / actual
    notes = tail(reach, 1)[3]
    assert "lower is better" in notes and "baseline of June 30, 2024" in notes
    assert "cumulative" not in notes  # one period: nothing to explain


def test_a_framework_without_indicators_says_so(cast: Any, plan: Framework) -> None:
    fw_services.framework_create(actor=policy.SYSTEM, code="EMPTY", name="Empty", organisation=cast.ngo)
    _, rows = sheet_rows(render(cast.ngo_admin, framework="EMPTY"))
    assert "No indicator of this framework is visible to you." in [r[1] for r in rows.values()]
    html = render(cast.ngo_admin, framework="EMPTY", fmt="html").decode()
    assert "No indicator of this framework is visible to you." in html


def test_no_data_and_no_target_notes(cast: Any, plan: Framework) -> None:
    _, rows = sheet_rows(render(cast.ngo_admin, start="2023Q1", end="2023Q2"))
    reach = rows["ITT-REACH"]
    assert actuals(reach, 2) == [None, None]
    assert "no data" in tail(reach, 2)[3] and "no target" in tail(reach, 2)[3]
    assert "Sex: Female" not in rows  # no sub-rows without data


# ---------------------------------------------------------------------------------------------------------
# The PDF and the preview


def test_pdf_shows_the_same_figures(cast: Any, plan: Framework) -> None:
    content = render(cast.ngo_admin, fmt="pdf")
    reader = PdfReader(io.BytesIO(content))
    page = reader.pages[0]
    assert page.mediabox.width > page.mediabox.height  # landscape
    text = " ".join(p.extract_text() for p in reader.pages)
    flat = " ".join(text.split())
    want = expected_reach()
    assert "Indicator tracking table" in flat and "Safe communities log-frame" in flat
    assert "People reached" in flat and "Sex: Female" in flat
    assert INJECTION in "".join(text.split())  # (wrapped in its cell)
    assert "Indicator tracking table · ITT-T" in flat  # the running header
    # The REACH row: baseline, target/actual per quarter, cumulative, % achieved.
    cells = [12]
    for q, actual in zip(QUARTERS, want["quarters"], strict=True):
        cells += [REACH_TARGETS[q], actual]
    total = sum(REACH_TARGETS.values())
    cells += [total, want["total"]]
    achieved = f"{round(want['total'] / total * 100)}%"
    assert " ".join(str(int(c)) for c in cells) + " " + achieved in flat


def test_html_preview_escapes_names(cast: Any, plan: Framework) -> None:
    html = render(cast.ngo_admin, fmt="html").decode()
    assert "People reached" in html and "&quot;http://evil.example/&quot;" in html
    assert '<th colspan="2" class="period">2025 Q4</th>' in html


def test_long_monthly_range_splits_the_pdf_tables(cast: Any, plan: Framework) -> None:
    html = render(cast.ngo_admin, fmt="html", start="202501", end="202512").decode()
    assert "Part 1 of 2" in html and "Part 2 of 2" in html


def test_french_render(cast: Any, plan: Framework) -> None:
    content = render(cast.ngo_admin, lang="fr")
    _, rows = sheet_rows(content)
    assert tail(rows["ITT-REACH"])[1] == expected_reach()["total"]
    assert "Femme" in " ".join(k for k in rows)  # the option's French name


ENGLISH_HEADINGS = ("Indicator tracking table", "Cumulative", "Generated on")


def _headings(lang: str) -> list[str]:
    """The table's title, the cumulative column and the date line in `lang`, from the catalogue (each must be
    a real translation, not the English text)."""
    from django.utils import translation
    from django.utils.translation import gettext

    with translation.override(lang):
        translated = [
            gettext("Indicator tracking table"),
            gettext("Cumulative"),
            (gettext("Generated on %(date)s") % {"date": ""}).strip(),
        ]
    for english, there in zip(ENGLISH_HEADINGS, translated, strict=True):
        assert there and not there.startswith(english), (lang, english, there)
    return translated


@pytest.mark.parametrize("lang", ["fr", "rw"])
def test_the_xlsx_headings_are_translated(cast: Any, plan: Framework, lang: str) -> None:
    ws, _ = sheet_rows(render(cast.ngo_admin, lang=lang))
    cells = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    title, cumulative, generated = _headings(lang)
    assert ws["A1"].value == title and cumulative in cells
    assert any(c.startswith(generated) for c in cells), (lang, generated, cells[:8])
    for english in ENGLISH_HEADINGS:
        assert not [c for c in cells if english in c], (lang, english)


@pytest.mark.parametrize("lang", ["fr", "rw"])
def test_the_pdf_headings_are_translated(cast: Any, plan: Framework, lang: str) -> None:
    reader = PdfReader(io.BytesIO(render(cast.ngo_admin, fmt="pdf", lang=lang)))
    text = "".join("".join(p.extract_text() for p in reader.pages).split())
    for heading in _headings(lang):
        assert "".join(heading.split()) in text, (lang, heading)
    for english in ENGLISH_HEADINGS:
        assert "".join(english.split()) not in text, (lang, english)
    assert str(int(expected_reach()["total"])) in text


# ---------------------------------------------------------------------------------------------------------
# Access


def test_other_organisation_gets_not_found(cast: Any, plan: Framework) -> None:
    with pytest.raises(NotFound) as err:
        render(cast.police_me_nyarugenge)
    assert err.value.field == "framework"


def test_no_permission_is_refused(cast: Any, plan: Framework) -> None:
    with pytest.raises(PermissionDenied):
        render(cast.nobody)


def test_org_unit_outside_scope_gets_not_found(cast: Any, plan: Framework) -> None:
    with pytest.raises(NotFound) as err:
        render(cast.me_nyarugenge, org_unit="12")
    assert err.value.field == "org_unit"


def test_indicators_outside_the_tree_are_listed(cast: Any, plan: Framework) -> None:
    fw_services.indicator_save(
        actor=policy.SYSTEM, code="ITT-LOOSE", framework=plan, name="Loose", numerator="#{PARTICIPANTS}"
    )
    _, rows = sheet_rows(render(cast.ngo_admin))
    assert "ITT-LOOSE" in rows and "Indicators outside the tree" in rows


def test_the_export_is_audited(cast: Any, plan: Framework) -> None:
    from amahoro.audit.models import AuditEvent

    render(cast.ngo_admin)
    entry = AuditEvent.objects.filter(object_type="reports.itt").latest("pk")
    assert entry.object_repr == "itt-ITT-T-2025Q1_2025Q4-en.xlsx"


def test_progress_is_reported(cast: Any, plan: Framework) -> None:
    seen: list[int] = []
    services.render(
        user=cast.ngo_admin,
        kind="itt",
        params={"framework": "ITT-T", "start": "2025Q1", "end": "2025Q4"},
        fmt="xlsx",
        progress=lambda pct, stage: seen.append(pct),
    )
    assert seen == sorted(seen) and seen[-1] == 100 and len(seen) >= 5


def test_one_engine_query_per_range_and_category(cast: Any, plan: Framework, monkeypatch: Any) -> None:
    from amahoro.analytics import engine

    calls: list[Any] = []
    real = engine.aggregate

    def spy(**kw: Any) -> Any:
        calls.append(kw["group_by"])
        return real(**kw)

    monkeypatch.setattr(engine, "aggregate", spy)
    render(cast.ngo_admin, start="202501", end="202512")
    assert len(calls) == 3  # every indicator, then the categories SEX and AGE
    assert sorted(g[-1] for g in calls[1:]) == ["category:AGE", "category:SEX"]


# ---------------------------------------------------------------------------------------------------------
# Parameters


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"start": "2025Q1", "end": "2025Q4"}, "framework"),
        ({"framework": " ", "start": "2025Q1", "end": "2025Q4"}, "framework"),
        ({"framework": "F", "end": "2025Q4"}, "start"),
        ({"framework": "F", "start": "2025Q1"}, "end"),
        ({"framework": "F", "start": "2025X1", "end": "2025Q4"}, "start"),
        ({"framework": "F", "start": "2025Q3", "end": "2025Q1"}, "start"),
        ({"framework": "F", "start": "2025Q1", "end": "202512"}, "end"),
        ({"framework": "F", "start": "202001", "end": "202301"}, "end"),
        ({"framework": "F", "start": "2025Q1", "end": "2025Q4", "lang": "de"}, "lang"),
        (
            {
                "framework": "F",
                "start": f"{dt.date.today().year + 1}01",
                "end": f"{dt.date.today().year + 1}02",
            },
            "start",
        ),
        ({"framework": "F" * 51, "start": "2025Q1", "end": "2025Q4"}, "framework"),
        ({"framework": "F", "start": "2025Q1", "end": "2025Q4", "org_unit": "1" * 51}, "org_unit"),
    ],
)
def test_parse_errors_name_the_field(params: dict[str, str], field: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        kinds.get("itt").parse(params)
    assert err.value.field == field


def test_parse_normalises(db: Any) -> None:
    kind = kinds.get("itt")
    assert kind.parse({"framework": " ITT-T ", "start": "202501", "end": "202512", "org_unit": "11"}) == {
        "framework": "ITT-T",
        "start": "202501",
        "end": "202512",
        "org_unit": "11",
        "lang": "en",
    }
    # 36 periods is the most.
    assert kind.parse({"framework": "F", "start": "202301", "end": "202512"})["end"] == "202512"
    assert kind.parse({"framework": "F", "start": "2025", "end": "2025"})["start"] == "2025"


def test_filename_and_scheduled_params() -> None:
    kind = kinds.get("itt")
    params = {"framework": "NGO/1 plan", "start": "2025Q1", "end": "2025Q4", "lang": "fr"}
    assert kind.filename(params, "pdf") == "itt-NGO-1-plan-2025Q1_2025Q4-fr.pdf"
    base = {"framework": "F", "lang": "en"}
    today = dt.date(2026, 11, 5)
    assert kind.scheduled_params(base, today=today, frequency="monthly") == {
        **base,
        "start": "202601",
        "end": "202610",
    }
    assert kind.scheduled_params(base, today=today, frequency="quarterly") == {
        **base,
        "start": "2026Q1",
        "end": "2026Q3",
    }
    january = dt.date(2027, 1, 5)
    assert kind.scheduled_params(base, today=january, frequency="quarterly")["start"] == "2026Q1"
    assert kind.scheduled_params(base, today=january, frequency="monthly")["end"] == "202612"
    with pytest.raises(ValidationFailed) as err:
        kind.scheduled_params(base, today=today, frequency="weekly")
    assert err.value.field == "frequency"


def test_kind_is_registered() -> None:
    kind = kinds.get("itt")
    assert isinstance(kind, itt.IndicatorTrackingTable)
    assert kind.formats == ("xlsx", "pdf") and kind.frequencies == ("quarterly", "monthly")


def test_css_string_cannot_end_the_running_header() -> None:
    escaped = pdf.css_string('Plan "A"; } </style><script>-1')
    assert escaped == "Plan \\22 A\\22 \\3b  \\7d  \\3c \\2f style\\3e \\3c script\\3e \\2d 1"
    assert not set('"<>;}') & set(escaped)


@pytest.mark.parametrize(
    ("lang", "integer", "decimals", "value", "shown"),
    [
        ("en", True, 2, 12345.0, "12,345"),
        ("en", False, 2, 52.381, "52.38"),
        ("en", False, 2, 52.5, "52.5"),
        ("en", False, 0, 7.0, "7"),
        ("fr", False, 2, 1234.5, "1\xa0234,5"),
    ],
)
def test_figures_in_the_pdf_follow_the_language(
    lang: str, integer: bool, decimals: int, value: float, shown: str
) -> None:
    from django.utils import translation

    line = itt.Line(kind="indicator", depth=0, code="X", label="X", decimals=decimals, integer=integer)
    with translation.override(lang):
        assert line.show(value) == shown and line.show(None) == ""
