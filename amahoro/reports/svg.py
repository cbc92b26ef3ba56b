"""Server-rendered SVG charts and maps for the PDF reports (contract R5): line charts, horizontal bar charts,
grouped bars and choropleth maps, each one standalone "<svg>…</svg>" string that WeasyPrint draws inline.

Pure text building, no plotting library: every label is escaped, the same input gives the same bytes, text
stays real <text> (so a PDF's text can be searched and read back), colours are Okabe-Ito (series) and a
colour-blind-safe sequential ramp (maps), and nothing refers to anything outside the string."""

from __future__ import annotations

import hashlib
import html
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.utils import formats
from django.utils.translation import gettext as _

# Okabe & Ito (2008), "Color Universal Design": distinguishable with every common colour-vision deficiency.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
ACTUAL_COLOUR = "#0072B2"
TARGET_COLOUR = "#D55E00"
REFERENCE_COLOUR = "#555555"
# ColorBrewer YlGnBu, 5 classes: sequential, colour-blind safe and still ordered when printed in grey.
CLASS_COLOURS = ("#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494")
NO_DATA_COLOUR = "#d9d9d9"
AXIS_COLOUR = "#666666"
GRID_COLOUR = "#e3e3e3"
TEXT_COLOUR = "#1b1b1b"
FONT = "DejaVu Sans, Noto Sans, sans-serif"
FONT_SIZE = 10  # px: 7.5 pt once printed at the SVG's own size
CHAR_WIDTH = 0.6  # average advance of a DejaVu Sans character, in ems (a generous estimate for layout)
CLASSES = 5

_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


# ---------------------------------------------------------------------------------------------------------
# text and numbers


def esc(text: object) -> str:
    """Text for an SVG element or attribute: escaped, without the control characters XML forbids."""
    return html.escape(_XML_INVALID.sub("", str(text)), quote=True)


def _px(value: float) -> str:
    """A coordinate rounded to 0.1 px, without a trailing ".0" (and never "-0")."""
    text = f"{value:.1f}"
    if text.endswith(".0"):
        text = text[:-2]
    return "0" if text == "-0" else text


def _clean(value: object) -> float | None:
    """A number to draw, or None for missing, non-numeric, NaN or infinite values (drawn as a gap)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _decimals(value: float) -> int:
    if value == int(value) or abs(value) >= 100:
        return 0
    if abs(value) >= 1:
        return 0 if round(value, 1) == int(round(value, 1)) else 1
    return 2


def number(value: float, decimals: int | None = None) -> str:
    """A number in the active language's format, grouped (1,234.5 / 1 234,5)."""
    places = _decimals(value) if decimals is None else decimals
    return formats.number_format(round(value, places), decimal_pos=places, force_grouping=True)


def with_unit(text: str, unit: str) -> str:
    if not unit:
        return text
    return f"{text}{unit}" if unit == "%" else f"{text} {unit}"


def _text_width(text: str, size: float = FONT_SIZE) -> float:
    return len(text) * size * CHAR_WIDTH


def _shorten(text: str, width: float, size: float = FONT_SIZE) -> str:
    """The text cut with an ellipsis to fit `width` px (labels of bars; the full text stays in <title>)."""
    fits = max(4, int(width / (size * CHAR_WIDTH)))
    return text if len(text) <= fits else text[: fits - 1].rstrip() + "…"


def _text(
    x: float, y: float, content: str, *, anchor: str = "start", size: float = FONT_SIZE, **attrs: str
) -> str:
    extra = "".join(f' {k.replace("_", "-")}="{esc(v)}"' for k, v in attrs.items())
    anchor_attr = "" if anchor == "start" else f' text-anchor="{anchor}"'
    size_attr = "" if size == FONT_SIZE else f' font-size="{_px(size)}"'
    return f'<text x="{_px(x)}" y="{_px(y)}"{anchor_attr}{size_attr}{extra}>{esc(content)}</text>'


def _svg(width: float, height: float, title: str, body: Iterable[str], *, kind: str) -> str:
    label = title or (_("Map") if kind == "map" else _("Chart"))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_px(width)}" height="{_px(height)}" '
        f'viewBox="0 0 {_px(width)} {_px(height)}" role="img" aria-label="{esc(label)}" class="chart-{kind}" '
        f'font-family="{FONT}" font-size="{FONT_SIZE}" fill="{TEXT_COLOUR}">'
        f"<title>{esc(label)}</title>{''.join(body)}</svg>"
    )


# Bold DejaVu Sans is wider than the regular face the CHAR_WIDTH estimate is for.
BOLD_FACTOR = 1.15
TITLE_SIZE = 11.0
TITLE_LINE = 14.0


def _title(title: str, width: float) -> tuple[list[str], float]:
    """The chart's visible title (bold, top left), on up to two lines (the second cut with an ellipsis),
    and the height it takes."""
    if not title:
        return [], 6.0
    room = width / BOLD_FACTOR
    lines: list[str] = []
    rest = title.split()
    while rest and len(lines) < 2:
        line = rest.pop(0)
        while rest and _text_width(f"{line} {rest[0]}", TITLE_SIZE) <= room:
            line = f"{line} {rest.pop(0)}"
        lines.append(line)
    if rest:
        lines[-1] = f"{lines[-1]} {' '.join(rest)}"
    lines = [_shorten(line, room, TITLE_SIZE) for line in lines]
    body = [
        _text(0, 13 + n * TITLE_LINE, line, size=TITLE_SIZE, font_weight="bold")
        for n, line in enumerate(lines)
    ]
    return body, 22.0 + (len(lines) - 1) * TITLE_LINE


# ---------------------------------------------------------------------------------------------------------
# axes


_NICE = (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10))


def nice_step(span: float, count: int = 5) -> Decimal:
    """The round step (1, 2, 2.5 or 5 × 10ⁿ) that cuts `span` into at most about `count` intervals."""
    if span <= 0 or not math.isfinite(span):
        return Decimal(1)
    raw = span / count
    exponent = math.floor(math.log10(raw))
    scale = Decimal(10) ** exponent
    for mantissa in _NICE:
        step = mantissa * scale
        if step >= Decimal(repr(raw)) * Decimal("0.999999"):
            return step
    return Decimal(10) * scale  # pragma: no cover (10 always fits)


def nice_ticks(values: Iterable[float], count: int = 5) -> list[Decimal]:
    """Round tick values from min(0, values) to max(0, values), both ends included (0 and 1 when empty)."""
    numbers = list(values)
    low = min([0.0, *numbers])
    high = max([0.0, *numbers])
    if low == high:
        high = 1.0
    step = nice_step(high - low, count)
    first = math.floor(Decimal(repr(low)) / step)
    last = math.ceil(Decimal(repr(high)) / step)
    return [step * i for i in range(first, last + 1)]


def _tick_label(tick: Decimal, unit: str = "") -> str:
    exponent = tick.normalize().as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return with_unit(number(float(tick), places), unit)


class _Scale:
    """A linear map from the ticks' range onto [start, end] px."""

    def __init__(self, ticks: Sequence[Decimal], start: float, end: float) -> None:
        self.low, self.high = float(ticks[0]), float(ticks[-1])
        self.start, self.end = start, end

    def __call__(self, value: float) -> float:
        return self.start + (value - self.low) / (self.high - self.low) * (self.end - self.start)


# ---------------------------------------------------------------------------------------------------------
# line chart


def line_chart(
    points: Sequence[Mapping[str, Any]],
    *,
    width: int = 520,
    height: int = 170,
    unit: str = "",
    title: str = "",
) -> str:
    """Actual values as a solid line with dots, targets dashed, over the points' labels (periods); a None
    leaves a gap. The value axis starts at 0."""
    labels = [str(p.get("label") or "") for p in points]
    actual = [_clean(p.get("actual")) for p in points]
    target = [_clean(p.get("target")) for p in points]
    present = [v for v in (*actual, *target) if v is not None]
    ticks = nice_ticks(present, 4)
    tick_labels = [_tick_label(t, unit) for t in ticks]
    has_target = any(v is not None for v in target)
    legend_items = [(_("Actual"), ACTUAL_COLOUR, "")]
    if has_target:
        legend_items.append((_("Target"), TARGET_COLOUR, "5 3"))
    legend_width = sum(_text_width(name) + 30 for name, _colour, _dash in legend_items)
    body, top = _title(title, width - legend_width - 10)
    legend_x = float(width) - legend_width
    for name, colour, dash in legend_items:
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        body.append(
            f'<line x1="{_px(legend_x)}" y1="{_px(9.5)}" x2="{_px(legend_x + 18)}" '
            f'y2="{_px(9.5)}" stroke="{colour}" stroke-width="2"{dash_attr}/>'
        )
        body.append(_text(legend_x + 22, 13, name))
        legend_x += _text_width(name) + 30
    top = max(top, 22.0)

    left = max(_text_width(t) for t in tick_labels) + 8
    right = float(width) - 12
    bottom = float(height) - 20
    scale_y = _Scale(ticks, bottom, top + 4)
    for tick, text in zip(ticks, tick_labels, strict=True):
        y = scale_y(float(tick))
        colour = AXIS_COLOUR if tick == 0 else GRID_COLOUR
        body.append(
            f'<line x1="{_px(left)}" y1="{_px(y)}" x2="{_px(right)}" y2="{_px(y)}" stroke="{colour}" '
            'stroke-width="0.7"/>'
        )
        body.append(_text(left - 4, y + 3.5, text, anchor="end", fill=AXIS_COLOUR))

    count = len(points)
    slot = (right - left) / max(count, 1)

    def x_of(i: int) -> float:
        return left + slot * (i + 0.5)

    # Every label when they fit, else every n-th (always the last one: the latest period).
    widest = max((_text_width(t) for t in labels), default=0.0) + 6
    every = max(1, math.ceil(widest / slot)) if count else 1
    for i, text in enumerate(labels):
        if (count - 1 - i) % every == 0:
            body.append(_text(x_of(i), bottom + 13, text, anchor="middle", fill=AXIS_COLOUR))

    def series(values: list[float | None], colour: str, dash: str, dots: bool) -> None:
        runs: list[list[tuple[float, float]]] = [[]]
        for i, value in enumerate(values):
            if value is None:
                runs.append([])
            else:
                runs[-1].append((x_of(i), scale_y(value)))
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        for run in runs:
            if len(run) > 1:
                d = "M" + "L".join(f"{_px(x)} {_px(y)}" for x, y in run)
                body.append(f'<path d="{d}" fill="none" stroke="{colour}" stroke-width="2"{dash_attr}/>')
            if dots or len(run) == 1:
                for x, y in run:
                    body.append(f'<circle cx="{_px(x)}" cy="{_px(y)}" r="2.5" fill="{colour}"/>')

    if has_target:
        series(target, TARGET_COLOUR, "5 3", dots=False)
    series(actual, ACTUAL_COLOUR, "", dots=True)
    # The latest actual value, written next to its dot.
    for i in range(count - 1, -1, -1):
        value = actual[i]
        if value is not None:
            body.append(
                _text(
                    x_of(i),
                    scale_y(value) - 6,
                    with_unit(number(value), unit),
                    anchor="middle",
                    font_weight="bold",
                )
            )
            break
    if not present:
        body.append(
            _text((left + right) / 2, (top + bottom) / 2, _("no data"), anchor="middle", fill=AXIS_COLOUR)
        )
    return _svg(width, height, title, body, kind="line")


# ---------------------------------------------------------------------------------------------------------
# horizontal bars


ROW = 18.0
BAR = 12.0


def _value_axis(
    body: list[str], ticks: Sequence[Decimal], scale: _Scale, top: float, bottom: float, unit: str
) -> None:
    for tick in ticks:
        x = scale(float(tick))
        colour = AXIS_COLOUR if tick == 0 else GRID_COLOUR
        body.append(
            f'<line x1="{_px(x)}" y1="{_px(top)}" x2="{_px(x)}" y2="{_px(bottom)}" stroke="{colour}" '
            'stroke-width="0.7"/>'
        )
        body.append(_text(x, bottom + 12, _tick_label(tick, unit), anchor="middle", fill=AXIS_COLOUR))


def _label_column(labels: Sequence[str], width: int) -> float:
    return min(max((_text_width(t) for t in labels), default=0.0) + 8, width * 0.4)


def _bar(
    body: list[str],
    scale: _Scale,
    value: float | None,
    y: float,
    height: float,
    colour: str,
    unit: str,
    name: str,
) -> None:
    """One horizontal bar from 0 with its value written past its end ("no data" when None)."""
    zero = scale(0.0)
    if value is None:
        body.append(_text(zero + 4, y + height - 2.5, _("no data"), fill=AXIS_COLOUR, font_style="italic"))
        return
    end = scale(value)
    x, w = min(zero, end), abs(end - zero)
    text = with_unit(number(value), unit)
    body.append(
        f'<rect x="{_px(x)}" y="{_px(y)}" width="{_px(w)}" height="{_px(height)}" fill="{colour}">'
        f"<title>{esc(name)}: {esc(text)}</title></rect>"
    )
    if value >= 0:
        body.append(_text(end + 3, y + height - 2.5, text))
    else:
        body.append(_text(end - 3, y + height - 2.5, text, anchor="end"))


def bar_chart(
    bars: Sequence[tuple[str, float | None]],
    *,
    width: int = 520,
    unit: str = "",
    reference: float | None = None,
    reference_label: str = "",
    title: str = "",
) -> str:
    """One horizontal bar per (label, value), the value written at its end; `reference` draws a dashed
    vertical line (e.g. 50 % for parity) labelled `reference_label`. The height follows the number of bars."""
    labels = [str(label) for label, _value in bars]
    values = [_clean(value) for _label, value in bars]
    ref = _clean(reference)
    present = [v for v in values if v is not None]
    ticks = nice_ticks([*present, *([ref] if ref is not None else [])], 5)
    body, top = _title(title, width)
    if ref is not None and reference_label:
        top += 12
    left = _label_column(labels, width)
    longest_value = max((_text_width(with_unit(number(v), unit)) for v in present), default=0.0)
    right = float(width) - max(longest_value + 6, _text_width(_("no data")) if not present else 0.0, 16)
    bottom = top + ROW * max(len(bars), 1)
    height = bottom + 20
    scale = _Scale(ticks, left, right)
    _value_axis(body, ticks, scale, top, bottom, unit)
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = top + ROW * i + (ROW - BAR) / 2
        body.append(_text(left - 5, y + BAR - 2.5, _shorten(label, left - 6), anchor="end"))
        _bar(body, scale, value, y, BAR, PALETTE[0], unit, label)
    if ref is not None:
        x = scale(ref)
        body.append(
            f'<line x1="{_px(x)}" y1="{_px(top - 2)}" x2="{_px(x)}" y2="{_px(bottom)}" stroke="{REFERENCE_COLOUR}" '
            'stroke-width="1.2" stroke-dasharray="4 3"/>'
        )
        if reference_label:
            anchor = "end" if x > (left + right) / 2 else "start"
            body.append(_text(x + (-3 if anchor == "end" else 3), top - 4, reference_label, anchor=anchor))
    return _svg(width, height, title, body, kind="bar")


def grouped_bars(
    groups: Sequence[tuple[str, Mapping[str, float | None]]],
    series: Sequence[tuple[str, str]],
    *,
    width: int = 520,
    unit: str = "",
    title: str = "",
) -> str:
    """Per group (label, {series key: value}), one thin horizontal bar per series (key, label) in the series'
    colour, under a legend of the series. A missing key or None is written "no data"."""
    labels = [str(label) for label, _values in groups]
    rows = [[_clean(values.get(key)) for key, _name in series] for _label, values in groups]
    present = [v for row in rows for v in row if v is not None]
    ticks = nice_ticks(present, 5)
    body, top = _title(title, width)

    # The legend: one swatch per series, wrapped onto as many lines as needed.
    x, y = 0.0, top + 9
    for n, (_key, name) in enumerate(series):
        item = 14 + _text_width(str(name)) + 14
        if x > 0 and x + item > width:
            x, y = 0.0, y + 14
        body.append(
            f'<rect x="{_px(x)}" y="{_px(y - 8)}" width="10" height="10" fill="{PALETTE[n % len(PALETTE)]}"/>'
        )
        body.append(_text(x + 14, y, str(name)))
        x += item
    top = y + 10 if series else top

    left = _label_column(labels, width)
    longest_value = max((_text_width(with_unit(number(v), unit)) for v in present), default=0.0)
    right = float(width) - max(longest_value + 6, _text_width(_("no data")) + 6, 16)
    bar = 12.0
    group_height = bar * max(len(series), 1) + 8
    bottom = top + group_height * max(len(groups), 1)
    height = bottom + 20
    scale = _Scale(ticks, left, right)
    _value_axis(body, ticks, scale, top, bottom, unit)
    for i, (label, row) in enumerate(zip(labels, rows, strict=True)):
        y0 = top + group_height * i + 4
        body.append(_text(left - 5, y0 + group_height / 2, _shorten(label, left - 6), anchor="end"))
        for n, value in enumerate(row):
            name = f"{label}, {series[n][1]}"
            _bar(body, scale, value, y0 + bar * n, bar - 1, PALETTE[n % len(PALETTE)], unit, name)
    return _svg(width, height, title, body, kind="grouped")


# ---------------------------------------------------------------------------------------------------------
# maps


def _polygons(geometry: Mapping[str, Any] | None) -> list[list[list[list[float]]]]:
    if not geometry:
        return []
    if geometry.get("type") == "Polygon":
        return [geometry.get("coordinates") or []]
    if geometry.get("type") == "MultiPolygon":
        return list(geometry.get("coordinates") or [])
    return []


def class_breaks(values: Iterable[float], classes: int = CLASSES) -> list[Decimal]:
    """`classes` + 1 round, equally spaced class limits covering the values (0 to 1 when there are none)."""
    numbers = list(values)
    low, high = (min(numbers), max(numbers)) if numbers else (0.0, 1.0)
    if low == high:
        low, high = (low - 1, high) if low > 0 else (low, high + 1)
    low_d, high_d = Decimal(repr(low)), Decimal(repr(high))
    span = high - low
    while True:
        step = nice_step(span, classes)
        start = (low_d / step).to_integral_value(rounding="ROUND_FLOOR") * step
        if start + step * classes >= high_d:
            return [start + step * i for i in range(classes + 1)]
        span = float(step) * classes * 1.01  # the next round step up


def class_of(value: float, breaks: Sequence[Decimal]) -> int:
    number_ = Decimal(repr(value))
    for i in range(len(breaks) - 2, -1, -1):
        if number_ >= breaks[i]:
            return i
    return 0


def _ring_path(ring: Sequence[Sequence[float]], project: Any) -> str:
    points: list[str] = []
    for lon, lat, *_rest in ring:
        point = "{} {}".format(*map(_px, project(lon, lat)))
        if not points or points[-1] != point:
            points.append(point)
    if len(points) > 1 and points[0] == points[-1]:
        points.pop()
    if len(points) < 3:
        return ""
    return "M" + "L".join(points) + "Z"


def choropleth(
    features: Sequence[Mapping[str, Any]],
    values: Mapping[str, float | None],
    *,
    width: int = 360,
    height: int = 320,
    title: str = "",
    unit: str = "",
    attribution: str = "",
    legend_title: str = "",
) -> str:
    """Each feature (GeoJSON Polygon/MultiPolygon, properties.code) filled by the class of its value in 5
    round equal-interval classes; no value → grey hatching. The legend on the right, `attribution` (the
    shapes' credit) in small print at the bottom."""
    shaped = sorted(
        (f for f in features if _polygons(f.get("geometry"))),
        key=lambda f: str((f.get("properties") or {}).get("code", "")),
    )
    data = {str(code): _clean(value) for code, value in values.items()}
    present = [v for f in shaped if (v := data.get(str(f["properties"].get("code")))) is not None]
    breaks = class_breaks(present)
    classes = [
        with_unit(f"{_tick_label(breaks[i])} – {_tick_label(breaks[i + 1])}", unit) for i in range(CLASSES)
    ]
    no_data = _("no data")
    body, top = _title(title, width)

    # A pattern id unique to this map's content, so two maps on one page never share one by accident.
    digest = hashlib.sha256(repr((title, sorted(data.items()), len(shaped))).encode()).hexdigest()[:10]
    hatch = f"nodata-{digest}"
    body.append(
        f'<defs><pattern id="{hatch}" patternUnits="userSpaceOnUse" width="5" height="5" '
        f'patternTransform="rotate(45)"><rect width="5" height="5" fill="{NO_DATA_COLOUR}"/>'
        f'<line x1="0" y1="0" x2="0" y2="5" stroke="#9a9a9a" stroke-width="1.5"/></pattern></defs>'
    )

    legend_lines = [legend_title, *classes, no_data] if legend_title else [*classes, no_data]
    legend_width = min(max(_text_width(t, 9) for t in legend_lines) + 20, width * 0.45)
    attribution_height = 12.0 if attribution else 0.0
    map_left, map_top = 2.0, top
    map_right, map_bottom = width - legend_width - 8, height - attribution_height - 4

    # Equirectangular, x shrunk by cos(mid-latitude) so shapes keep their proportions; fitted and centred.
    coordinates = [pt for f in shaped for poly in _polygons(f["geometry"]) for ring in poly for pt in ring]
    if coordinates:
        lons = [float(p[0]) for p in coordinates]
        lats = [float(p[1]) for p in coordinates]
        kx = math.cos(math.radians((min(lats) + max(lats)) / 2))
        x0, x1 = min(lons) * kx, max(lons) * kx
        y0, y1 = -max(lats), -min(lats)
        scale = min((map_right - map_left) / max(x1 - x0, 1e-9), (map_bottom - map_top) / max(y1 - y0, 1e-9))
        dx = map_left + ((map_right - map_left) - (x1 - x0) * scale) / 2
        dy = map_top + ((map_bottom - map_top) - (y1 - y0) * scale) / 2

        def project(lon: float, lat: float) -> tuple[float, float]:
            return dx + (float(lon) * kx - x0) * scale, dy + (-float(lat) - y0) * scale

        for feature in shaped:
            props = feature.get("properties") or {}
            code = str(props.get("code", ""))
            name = str(props.get("name") or code)
            value = data.get(code)
            d = "".join(_ring_path(ring, project) for poly in _polygons(feature["geometry"]) for ring in poly)
            if value is None:
                fill, tooltip = f"url(#{hatch})", f"{name}: {no_data}"
            else:
                fill = CLASS_COLOURS[class_of(value, breaks)]
                tooltip = f"{name}: {with_unit(number(value), unit)}"
            body.append(
                f'<path class="area" data-code="{esc(code)}" d="{d}" fill="{fill}" fill-rule="evenodd" '
                f'stroke="#ffffff" stroke-width="0.6"><title>{esc(tooltip)}</title></path>'
            )

    # The legend: title, the 5 classes from low to high, then "no data".
    lx = width - legend_width + 4
    ly = top + 10
    if legend_title:
        body.append(_text(lx, ly, _shorten(legend_title, legend_width - 4, 9), size=9, font_weight="bold"))
        ly += 14
    swatches = [(colour, text) for colour, text in zip(CLASS_COLOURS, classes, strict=True)]
    swatches.append((f"url(#{hatch})", no_data))
    for colour, text in swatches:
        body.append(
            f'<rect class="legend" x="{_px(lx)}" y="{_px(ly - 8.5)}" width="12" height="10" fill="{colour}" '
            'stroke="#999999" stroke-width="0.5"/>'
        )
        body.append(_text(lx + 16, ly, text, size=9))
        ly += 14
    if attribution:
        body.append(_text(2, height - 3, attribution, size=7, fill=AXIS_COLOUR))
    return _svg(width, height, title, body, kind="map")


def place_map(*, user: Any, values: Mapping[str, float | None], level: str = "district", **kw: Any) -> str:
    """A choropleth of the units of `level` the user may see (their boundaries, with the shapes' credit);
    "" when none of them has a boundary loaded."""
    from amahoro.geo.selectors import district_features

    collection = district_features(user=user, level=level)
    if not collection["features"]:
        return ""
    kw.setdefault("attribution", collection["attribution"])
    return choropleth(collection["features"], values, **kw)
