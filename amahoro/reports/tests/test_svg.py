"""The report charts (reports/svg.py, contract R5): well-formed standalone SVG with escaped labels, round axes,
gaps for missing values, a legend, the same bytes for the same input, maps with one path per place (the
user's places only), and WeasyPrint printing every chart with its labels as real text."""

from __future__ import annotations

import io
import itertools
import math
import re
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element

import pytest
from defusedxml import ElementTree
from pypdf import PdfReader

from amahoro import policy
from amahoro.geo.services import BOUNDARY_ATTRIBUTION, SHIPPED_BOUNDARY_DIR, shipped_boundaries_load
from amahoro.reports import pdf, svg

NS = "{http://www.w3.org/2000/svg}"
EVIL = "<script>&amp;\"'"


def parse(text: str) -> Element:
    root = ElementTree.fromstring(text)
    assert root.tag == f"{NS}svg"
    assert root.get("role") == "img"
    width, height = float(root.get("width")), float(root.get("height"))
    assert root.get("viewBox") == f"0 0 {root.get('width')} {root.get('height')}"
    assert width > 0 and height > 0
    assert "href" not in text and "url(http" not in text  # nothing outside the string
    return root


def texts(root: Element) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter(f"{NS}text")]


def is_round(step: Decimal) -> bool:
    mantissa = step.scaleb(-step.adjusted()).normalize()
    return mantissa in {Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5)}


def as_number(label: str, unit: str = "") -> Decimal:
    return Decimal(label.removesuffix(unit).strip().replace(",", ""))


POINTS = [
    {"label": "2025Q1", "actual": 12.0, "target": 20.0},
    {"label": "2025Q2", "actual": None, "target": 30.0},
    {"label": "2025Q3", "actual": 31.5, "target": None},
    {"label": "2025Q4", "actual": 47.5, "target": 50.0},
]


# ---------------------------------------------------------------------------------------------------------
# axes


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([97.1], ["0", "20", "40", "60", "80", "100"]),
        ([0.37], ["0", "0.1", "0.2", "0.3", "0.4"]),
        ([12.0, 4.0], ["0", "2.5", "5", "7.5", "10", "12.5"]),
        ([1_234_567], ["0", "250000", "500000", "750000", "1000000", "1250000"]),
        ([-30.0, 45.0], ["-40", "-20", "0", "20", "40", "60"]),
        ([], ["0", "0.2", "0.4", "0.6", "0.8", "1"]),
        ([0.0, 0.0], ["0", "0.2", "0.4", "0.6", "0.8", "1"]),
    ],
)
def test_nice_ticks_are_round_start_at_zero_and_cover_the_values(
    values: list[float], expected: list[str]
) -> None:
    ticks = svg.nice_ticks(values)
    assert [Decimal(t) for t in expected] == ticks
    assert is_round(ticks[1] - ticks[0])


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([12.0, 87.0], ["0", "20", "40", "60", "80", "100"]),
        ([0.31, 0.58], ["0.3", "0.4", "0.5", "0.6", "0.7", "0.8"]),
        ([5.0], ["4", "4.2", "4.4", "4.6", "4.8", "5"]),
        ([], ["0", "0.2", "0.4", "0.6", "0.8", "1"]),
        ([0.0, 99.0], ["0", "20", "40", "60", "80", "100"]),
    ],
)
def test_map_classes_are_five_round_intervals_covering_the_values(
    values: list[float], expected: list[str]
) -> None:
    breaks = svg.class_breaks(values)
    assert breaks == [Decimal(b) for b in expected]
    assert all(breaks[0] <= Decimal(repr(v)) <= breaks[-1] for v in values)


def test_classes_move_to_the_next_round_step_when_five_do_not_reach_the_maximum() -> None:
    assert svg.class_breaks([1.0, 11.0]) == [Decimal(x) for x in ("0", "2.5", "5", "7.5", "10", "12.5")]
    assert svg.class_of(-1.0, svg.class_breaks([1.0, 11.0])) == 0
    assert svg.nice_step(0) == 1 and svg.nice_step(float("inf")) == 1


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.375, "0.38"),
        (3.0, "3"),
        (3.14, "3.1"),
        (1234.5, "1,234"),
        (1_000_000.0, "1,000,000"),
        (-2.5, "-2.5"),
    ],
)
def test_numbers_keep_a_sensible_number_of_decimals(value: float, text: str) -> None:
    assert svg.number(value) == text


def test_class_of_puts_a_limit_in_the_upper_class_and_the_maximum_in_the_last() -> None:
    breaks = [Decimal(x) for x in (0, 20, 40, 60, 80, 100)]
    assert [svg.class_of(v, breaks) for v in (0, 19.99, 20, 59, 80, 100)] == [0, 0, 1, 2, 4, 4]


# ---------------------------------------------------------------------------------------------------------
# line chart


def test_line_chart_is_a_titled_standalone_svg_with_round_ticks_from_zero() -> None:
    out = svg.line_chart(POINTS, unit="%", title="Share of women")
    root = parse(out)
    assert root.find(f"{NS}title").text == "Share of women"
    assert (root.get("width"), root.get("height")) == ("520", "170")
    labels = texts(root)
    for point in POINTS:
        assert point["label"] in labels
    ticks = [as_number(t, "%") for t in labels if re.fullmatch(r"-?[\d,.]+%", t)]
    ticks = [t for t in ticks if t != Decimal("47.5")]  # the latest value, written by its dot
    assert ticks[0] == 0 and ticks[-1] >= 50
    steps = {b - a for a, b in itertools.pairwise(ticks)}
    assert len(steps) == 1 and is_round(steps.pop())
    assert "47.5%" in labels and "Actual" in labels and "Target" in labels


def test_line_chart_leaves_gaps_for_missing_values() -> None:
    root = parse(svg.line_chart(POINTS))
    paths = list(root.iter(f"{NS}path"))
    actual = [p for p in paths if p.get("stroke") == svg.ACTUAL_COLOUR]
    target = [p for p in paths if p.get("stroke") == svg.TARGET_COLOUR]
    # actual: 12 | gap | 31.5 - 47.5 → one line of 2 points (the lone first value is a dot only)
    assert [p.get("d").count("L") for p in actual] == [1]
    # target: 20 - 30 | gap | 50 → one dashed line of 2 points
    assert [p.get("d").count("L") for p in target] == [1]
    assert all(p.get("stroke-dasharray") for p in target)
    dots = [c for c in root.iter(f"{NS}circle") if c.get("fill") == svg.ACTUAL_COLOUR]
    assert len(dots) == 3


def test_line_chart_places_values_on_the_axis_scale() -> None:
    root = parse(svg.line_chart([{"label": "a", "actual": 0.0}, {"label": "b", "actual": 100.0}]))
    gridlines = {
        "".join(t.itertext()): float(t.get("y")) - 3.5
        for t in root.iter(f"{NS}text")
        if t.get("text-anchor") == "end"
    }
    dots = [float(c.get("cy")) for c in root.iter(f"{NS}circle")]
    assert dots == pytest.approx([gridlines["0"], gridlines["100"]], abs=0.11)
    assert "Target" not in texts(root)  # no target, no legend entry


def test_line_chart_without_any_value_says_no_data() -> None:
    root = parse(svg.line_chart([{"label": "2025Q1", "actual": None, "target": None}]))
    assert "no data" in texts(root)
    assert not list(root.iter(f"{NS}circle"))
    root = parse(svg.line_chart([]))
    assert "no data" in texts(root)
    assert root.find(f"{NS}title").text == "Chart"  # untitled charts still name themselves
    assert parse(svg.choropleth([], {})).find(f"{NS}title").text == "Map"


def test_labels_are_escaped_text_never_markup() -> None:
    charts = [
        svg.line_chart([{"label": EVIL, "actual": 1.0, "target": 2.0}], title=EVIL, unit=EVIL),
        svg.bar_chart([(EVIL, 1.0)], title=EVIL, reference=0.5, reference_label=EVIL, unit=EVIL),
        svg.grouped_bars([(EVIL, {"a": 1.0})], [("a", EVIL)], title=EVIL),
        svg.choropleth([square("X1", EVIL)], {"X1": 1.0}, title=EVIL, legend_title=EVIL, attribution=EVIL),
    ]
    for out in charts:
        root = parse(out)
        assert "<script" not in out
        assert EVIL in texts(root)
        assert root.find(f"{NS}title").text == EVIL
        assert not list(root.iter(f"{NS}script"))


def test_control_characters_are_dropped_so_the_svg_stays_well_formed() -> None:
    root = parse(svg.bar_chart([("Bad\x00name\x1b", 3.0)]))
    assert "Badname" in texts(root)


def test_non_numbers_are_missing_values() -> None:
    root = parse(svg.bar_chart([("nan", float("nan")), ("inf", float("inf")), ("text", "x"), ("bool", True)]))  # type: ignore[list-item]
    assert texts(root).count("no data") == 4
    assert not list(root.iter(f"{NS}rect"))


def test_the_same_input_gives_the_same_bytes() -> None:
    features = [square("A", "A"), square("B", "B", x=1)]

    def every_chart() -> list[str]:
        return [
            svg.line_chart(POINTS, title="t"),
            svg.bar_chart([("a", 1.0), ("b", None)], reference=0.5),
            svg.grouped_bars([("g", {"a": 1.0, "b": 2.0})], [("a", "A"), ("b", "B")]),
            svg.choropleth(features, {"A": 1.0, "B": None}, attribution="x"),
        ]

    assert every_chart() == every_chart()
    # Feature order does not change the map.
    assert svg.choropleth(features, {"A": 1.0}) == svg.choropleth(features[::-1], {"A": 1.0})


# ---------------------------------------------------------------------------------------------------------
# bars


def bar_rects(root: Element) -> dict[str, float]:
    return {r.find(f"{NS}title").text.split(":")[0]: float(r.get("width")) for r in root.iter(f"{NS}rect")}


def test_bar_chart_draws_proportional_bars_with_value_labels_and_a_reference_line() -> None:
    bars = [("Nyarugenge", 100.0), ("Gasabo", 50.0), ("Kicukiro", None), ("Burera", 0.0)]
    out = svg.bar_chart(bars, unit="%", reference=50, reference_label="Parity", title="Women")
    root = parse(out)
    widths = bar_rects(root)
    assert set(widths) == {"Nyarugenge", "Gasabo", "Burera"}  # no bar for a missing value
    assert widths["Gasabo"] == pytest.approx(widths["Nyarugenge"] / 2, abs=0.11)
    assert widths["Burera"] == 0
    labels = texts(root)
    for expected in ("Nyarugenge", "Gasabo", "Kicukiro", "100%", "50%", "0%", "no data", "Parity", "Women"):
        assert expected in labels
    reference = [line for line in root.iter(f"{NS}line") if line.get("stroke-dasharray")]
    assert len(reference) == 1
    gasabo = next(r for r in root.iter(f"{NS}rect") if r.find(f"{NS}title").text.startswith("Gasabo"))
    gasabo_end = float(gasabo.get("x")) + float(gasabo.get("width"))
    assert float(reference[0].get("x1")) == pytest.approx(gasabo_end, abs=0.2)
    assert float(root.get("height")) >= 4 * svg.ROW  # grows with the number of bars


def test_bar_chart_with_negative_values_extends_left_of_zero() -> None:
    root = parse(svg.bar_chart([("down", -20.0), ("up", 40.0)]))
    rects = {r.find(f"{NS}title").text.split(":")[0]: r for r in root.iter(f"{NS}rect")}
    zero = next(float(t.get("x")) for t in root.iter(f"{NS}text") if "".join(t.itertext()) == "0")
    assert float(rects["down"].get("x")) + float(rects["down"].get("width")) == pytest.approx(zero, abs=0.11)
    assert float(rects["up"].get("x")) == pytest.approx(zero, abs=0.11)


def test_long_bar_labels_are_shortened_but_kept_in_the_tooltip() -> None:
    label = "A very long pillar name that would not fit in the label column of the chart at all " * 2
    root = parse(svg.bar_chart([(label, 3.0)], width=400))
    shown = next(t for t in texts(root) if t.startswith("A very"))
    assert shown.endswith("…") and len(shown) < len(label)
    assert root.find(f"{NS}rect/{NS}title").text.startswith(label.strip()[:50])


def test_grouped_bars_have_a_legend_and_one_bar_per_series_value() -> None:
    series = [("planned", "Planned"), ("committed", "Committed"), ("disbursed", "Disbursed")]
    groups = [
        ("Pillar 1", {"planned": 1_500_000, "committed": 1_000_000, "disbursed": 250_000}),
        ("Pillar 2", {"planned": 800_000, "committed": None}),
    ]
    root = parse(svg.grouped_bars(groups, series, unit="RWF", title="Funding"))
    labels = texts(root)
    for expected in ("Planned", "Committed", "Disbursed", "Pillar 1", "Pillar 2", "1,500,000 RWF", "Funding"):
        assert expected in labels
    assert labels.count("no data") == 2  # committed None, disbursed missing
    legend = [r for r in root.iter(f"{NS}rect") if r.find(f"{NS}title") is None]
    bars = [r for r in root.iter(f"{NS}rect") if r.find(f"{NS}title") is not None]
    assert [r.get("fill") for r in legend] == list(svg.PALETTE[:3])
    assert len(bars) == 4
    assert {r.get("fill") for r in bars} == set(svg.PALETTE[:3])
    widths = {r.find(f"{NS}title").text.split(":")[0]: float(r.get("width")) for r in bars}
    assert widths["Pillar 1, Planned"] == pytest.approx(6 * widths["Pillar 1, Disbursed"], abs=0.3)
    assert all(as_number(t, "RWF") % 1 == 0 for t in labels if t.endswith("RWF") and "," in t)


def test_grouped_bars_legend_wraps_when_the_series_do_not_fit() -> None:
    series = [(str(n), f"Series with a long name {n}") for n in range(6)]
    root = parse(svg.grouped_bars([("g", {"0": 1.0})], series, width=300))
    legend_y = {
        float(t.get("y")) for t in root.iter(f"{NS}text") if "".join(t.itertext()).startswith("Series")
    }
    assert len(legend_y) > 1


# ---------------------------------------------------------------------------------------------------------
# maps


def square(code: str, name: str, *, x: float = 0, y: float = 0) -> dict[str, Any]:
    ring = [[30 + x, -2 + y], [30.5 + x, -2 + y], [30.5 + x, -1.5 + y], [30 + x, -1.5 + y], [30 + x, -2 + y]]
    return {
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": [ring]},
        "properties": {"code": code, "name": name},
    }


def test_choropleth_draws_one_path_per_feature_classed_with_a_legend() -> None:
    holed = square("H", "Holed", x=1)
    hole = [[31.1, -1.9], [31.1, -1.6], [31.4, -1.6], [31.4, -1.9], [31.1, -1.9]]
    holed["geometry"]["coordinates"].append(hole)
    multi = {
        "type": "Feature",
        "geometry": {
            "type": "MultiPolygon",
            "coordinates": [
                square("", "")["geometry"]["coordinates"],
                [[[29, -3], [29.2, -3], [29.2, -2.8], [29, -3]]],
                [
                    [[29.5, -2.5], [29.5001, -2.5], [29.5001, -2.4999], [29.5, -2.5]]
                ],  # too small to see: dropped
            ],
        },
        "properties": {"code": "M", "name": "Islands"},
    }
    no_shape = {"type": "Feature", "geometry": None, "properties": {"code": "Z", "name": "None"}}
    features = [square("A", "Alpha", y=1), holed, multi, square("N", "Nodata", x=1, y=1), no_shape]
    values = {"A": 12.0, "H": 87.0, "M": 50.0, "N": None}
    out = svg.choropleth(
        features, values, unit="%", title="Coverage", attribution="© Someone", legend_title="Share"
    )
    root = parse(out)
    paths = {p.get("data-code"): p for p in root.iter(f"{NS}path")}
    assert list(paths) == ["A", "H", "M", "N"]  # one per feature with a shape, sorted by code
    assert all(p.get("fill-rule") == "evenodd" for p in paths.values())
    assert paths["H"].get("d").count("M") == 2 and paths["M"].get("d").count("M") == 2
    assert paths["A"].get("fill") == svg.CLASS_COLOURS[0]  # 12 in 0-20
    assert paths["M"].get("fill") == svg.CLASS_COLOURS[2]  # 50 in 40-60
    assert paths["H"].get("fill") == svg.CLASS_COLOURS[4]  # 87 in 80-100
    assert paths["N"].get("fill").startswith("url(#nodata-")
    pattern = root.find(f"{NS}defs/{NS}pattern")
    assert paths["N"].get("fill") == f"url(#{pattern.get('id')})"
    labels = texts(root)
    assert labels[labels.index("Share") + 1 :] == [
        "0 – 20%",
        "20 – 40%",
        "40 – 60%",
        "60 – 80%",
        "80 – 100%",
        "no data",
        "© Someone",
    ]
    legend = [r.get("fill") for r in root.iter(f"{NS}rect") if r.get("class") == "legend"]
    assert legend == [*svg.CLASS_COLOURS, paths["N"].get("fill")]
    assert paths["A"].find(f"{NS}title").text == "Alpha: 12%"
    # Coordinates have at most one decimal.
    assert not re.search(r"\d\.\d\d", "".join(p.get("d") for p in paths.values()))


def test_choropleth_keeps_proportions_and_fits_the_frame() -> None:
    root = parse(svg.choropleth([square("A", "A")], {"A": 1.0}, width=400, height=300))
    numbers = [float(n) for n in re.findall(r"-?[\d.]+", root.find(f"{NS}path").get("d"))]
    xs, ys = numbers[0::2], numbers[1::2]
    assert min(xs) >= 0 and max(xs) <= 400 and min(ys) >= 0 and max(ys) <= 300
    ratio = (max(xs) - min(xs)) / (max(ys) - min(ys))
    assert ratio == pytest.approx(math.cos(math.radians(-1.75)), abs=0.01)


def test_choropleth_without_values_is_all_no_data() -> None:
    point = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [30, -2]},
        "properties": {"code": "P"},
    }
    root = parse(svg.choropleth([square("A", "A"), point], {}))
    assert len(list(root.iter(f"{NS}path"))) == 1  # a point has no area to fill
    assert root.find(f"{NS}path").get("fill").startswith("url(#")
    assert "no data" in texts(root)


def load_shapes(directory: Path) -> None:
    """The shipped province and district shapes (the sectors' would only slow these tests down)."""
    for level in ("province", "district"):
        shutil.copy(SHIPPED_BOUNDARY_DIR / f"rwanda-{level}s.geojson", directory)
    shipped_boundaries_load(actor=policy.SYSTEM, directory=directory)


@pytest.mark.django_db
def test_place_map_draws_the_30_districts_a_country_user_sees(cast: Any, tmp_path: Path) -> None:
    load_shapes(tmp_path)
    values = {"11": 10.0, "12": 55.0, "13": None, "21": 99.5}
    out = svg.place_map(user=cast.ngo_admin, values=values, title="Districts", legend_title="Share", unit="%")
    root = parse(out)
    paths = list(root.iter(f"{NS}path"))
    assert len(paths) == 30
    fills = {p.get("data-code"): p.get("fill") for p in paths}
    assert fills["11"] == svg.CLASS_COLOURS[0] and fills["21"] == svg.CLASS_COLOURS[4]
    assert fills["13"] == fills["57"] and fills["13"].startswith("url(#")
    assert BOUNDARY_ATTRIBUTION in texts(root)
    assert len(out.encode()) < 150 * 1024
    assert out == svg.place_map(
        user=cast.ngo_admin, values=values, title="Districts", legend_title="Share", unit="%"
    )

    # Scoped: an officer over Nyarugenge sees one district; provinces are a level too.
    root = parse(svg.place_map(user=cast.me_nyarugenge, values=values))
    assert [p.get("data-code") for p in root.iter(f"{NS}path")] == ["11"]
    root = parse(svg.place_map(user=cast.ngo_admin, values={}, level="province"))
    assert len(list(root.iter(f"{NS}path"))) == 5


@pytest.mark.django_db
def test_place_map_is_empty_without_boundaries_or_places(cast: Any, tmp_path: Path) -> None:
    assert svg.place_map(user=cast.ngo_admin, values={"11": 1.0}) == ""  # no shapes loaded in this test
    load_shapes(tmp_path)
    assert svg.place_map(user=cast.nobody, values={"11": 1.0}) == ""


# ---------------------------------------------------------------------------------------------------------
# printing


@pytest.mark.django_db
def test_weasyprint_prints_every_chart_with_its_labels_as_text(cast: Any, tmp_path: Path) -> None:
    load_shapes(tmp_path)
    charts = {
        "line": svg.line_chart(POINTS, unit="%", title="Trend of women"),
        "bar": svg.bar_chart(
            [("Umujyi wa Kigali", 42.0), ("Amajyepfo", None)],
            unit="%",
            reference=50,
            reference_label="Parity",
        ),
        "grouped": svg.grouped_bars(
            [("Pillar one", {"p": 1000.0, "d": 400.0})], [("p", "Planned"), ("d", "Disbursed")], unit="RWF"
        ),
        "map": svg.place_map(user=cast.ngo_admin, values={"11": 10.0, "12": 90.0}, legend_title="Coverage"),
    }
    document = "".join(f'<div class="chart">{c}</div>' for c in charts.values())
    html = f'<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>{document}</body></html>'
    content = pdf.pdf(html)
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    flat = re.sub(r"\s+", " ", text)
    for expected in (
        "Trend of women",
        "2025Q3",
        "47.5%",
        "Target",
        "Umujyi wa Kigali",
        "42%",
        "Parity",
        "no data",
        "Pillar one",
        "Planned",
        "Disbursed",
        "1,000 RWF",
        "Coverage",
        "80 – 100",
        "© WASAC Ltd., CC BY 4.0",
    ):
        assert expected in flat, expected


def test_a_long_title_wraps_onto_two_lines_and_a_longer_one_is_cut_on_the_second() -> None:
    long = "Number of men reached by male-engagement sessions by district"
    bars = [("A", 1.0), ("B", 2.0)]
    texts = [
        t.text for t in ElementTree.fromstring(svg.bar_chart(bars, width=360, title=long)).iter(NS + "text")
    ]
    first, second = texts[0], texts[1]
    assert f"{first} {second}" == long  # nothing lost, in two bold lines
    assert len(first) * 11 * svg.CHAR_WIDTH * svg.BOLD_FACTOR <= 360
    longer = " ".join([long] * 4)
    texts = [
        t.text for t in ElementTree.fromstring(svg.bar_chart(bars, width=360, title=longer)).iter(NS + "text")
    ]
    assert texts[1].endswith("…") and longer.startswith(texts[0])
    short = [
        t.text
        for t in ElementTree.fromstring(svg.bar_chart(bars, width=360, title="Short")).iter(NS + "text")
    ]
    assert short[0] == "Short" and short[1] != "Short"
