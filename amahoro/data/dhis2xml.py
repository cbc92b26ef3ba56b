"""DHIS2 XML data value sets (DXF2, namespace http://dhis2.org/schema/dxf/2.0) and ADX (IHE QRPH,
urn:ihe:qrph:adx:2015), in and out. Parsing goes through defusedxml (no entities, no external DTDs);
both shapes become the dataValueSets payload the import engine takes, and exports are written from the
same rows as JSON and CSV.

ADX names periods as ISO 8601 start/duration (`2024-01-01/P1M`) and disaggregations as attributes named
by category code whose values are option codes (`<dataValue dataElement="X" SEX="F" value="3"/>`); the
group's extra attributes are the attribute (funding) categories.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any
from xml.etree.ElementTree import Element

from defusedxml import ElementTree as SafeET

from amahoro.metadata import idschemes
from amahoro.metadata import periods as period_lib
from amahoro.metadata.models import CategoryComboMembership, CategoryOptionCombo, DataElement

DXF2_NS = "http://dhis2.org/schema/dxf/2.0"
ADX_NS = "urn:ihe:qrph:adx:2015"
MAX_VALUES = 1_000_000

# ISO 8601 duration of each period type, and the types to try for a duration (the usual one first).
DURATION_OF = {
    "Daily": "P1D",
    "Weekly": "P7D",
    "WeeklyWednesday": "P7D",
    "WeeklyThursday": "P7D",
    "WeeklySaturday": "P7D",
    "WeeklySunday": "P7D",
    "BiWeekly": "P14D",
    "Monthly": "P1M",
    "BiMonthly": "P2M",
    "Quarterly": "P3M",
    "QuarterlyNov": "P3M",
    "SixMonthly": "P6M",
    "SixMonthlyApril": "P6M",
    "SixMonthlyNov": "P6M",
    "Yearly": "P1Y",
    "FinancialApril": "P1Y",
    "FinancialJuly": "P1Y",
    "FinancialOct": "P1Y",
    "FinancialNov": "P1Y",
}


class XMLPayloadError(ValueError):
    """The document is not a DHIS2 or ADX data value set: answered with 400."""


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def parse(body: bytes) -> tuple[str, dict[str, Any]]:
    """('dxf2' | 'adx', dataValueSets payload) from an XML body; ADX disaggregations are left as
    {"categoryOptions": {category: option}} on each row for `adx_resolve_combos`."""
    try:
        root = SafeET.fromstring(body)
    except SafeET.ParseError as exc:
        raise XMLPayloadError(f"the body is not well-formed XML: {exc}") from exc
    except Exception as exc:  # defusedxml's refusals (entities, DTDs)
        raise XMLPayloadError(f"the XML was refused: {type(exc).__name__}") from exc
    name = _local(root.tag)
    if name == "dataValueSet":
        return "dxf2", _parse_dxf2(root)
    if name == "adx":
        return "adx", _parse_adx(root)
    raise XMLPayloadError(f"the XML root is <{name[:40]}>: expected <dataValueSet> (DHIS2) or <adx> (ADX)")


def _parse_dxf2(root: Element) -> dict[str, Any]:
    payload: dict[str, Any] = {
        k: root.get(k) for k in ("dataSet", "period", "orgUnit", "attributeOptionCombo") if root.get(k)
    }
    values = []
    for n, el in enumerate(root):
        if _local(el.tag) != "dataValue":
            continue
        if n >= MAX_VALUES:
            raise XMLPayloadError(f"more than {MAX_VALUES} data values: split the file")
        row: dict[str, Any] = {
            k: el.get(k, "")
            for k in (
                "dataElement",
                "period",
                "orgUnit",
                "categoryOptionCombo",
                "attributeOptionCombo",
                "value",
                "comment",
            )
        }
        row["deleted"] = el.get("deleted")
        values.append(row)
    payload["dataValues"] = values
    return payload


def adx_period(text: str, where: str) -> str:
    """'2024-01-01/P1M' -> '202401' (the period of the duration's types that starts on that day)."""
    start_text, _, duration = text.partition("/")
    try:
        start = date.fromisoformat(start_text.strip())
    except ValueError:
        raise XMLPayloadError(
            f"{where}: period '{text[:40]}' is not start/duration (2024-01-01/P1M)"
        ) from None
    duration = duration.strip().upper()
    for period_type, iso in DURATION_OF.items():
        if iso != duration:
            continue
        try:
            return period_lib.format_period(period_type, start)
        except ValueError:
            continue
    raise XMLPayloadError(
        f"{where}: period '{text[:40]}' is no DHIS2 period (start/duration, e.g. 2024-01-01/P1M)"
    )


_GROUP_KEYS = {"orgUnit", "period", "dataSet", "completeDate"}
_VALUE_KEYS = {"dataElement", "value"}


def _parse_adx(root: Element) -> dict[str, Any]:
    values: list[dict[str, Any]] = []
    groups = [el for el in root if _local(el.tag) == "group"]
    if not groups:
        raise XMLPayloadError("the ADX document has no <group>")
    data_set = ""
    for g, group in enumerate(groups):
        where = f"group {g + 1}"
        for key in ("orgUnit", "period"):
            if not group.get(key):
                raise XMLPayloadError(f"{where}: the {key} attribute is required")
        period = adx_period(group.get("period", ""), where)
        data_set = data_set or group.get("dataSet", "")
        attribute_options = {k: v for k, v in group.attrib.items() if k not in _GROUP_KEYS}
        for el in group:
            if _local(el.tag) != "dataValue":
                continue
            if len(values) >= MAX_VALUES:
                raise XMLPayloadError(f"more than {MAX_VALUES} data values: split the file")
            annotation = next((c.text or "" for c in el if _local(c.tag) == "annotation"), "")
            values.append(
                {
                    "dataElement": el.get("dataElement", ""),
                    "period": period,
                    "orgUnit": group.get("orgUnit", ""),
                    "value": el.get("value", ""),
                    "comment": annotation.strip(),
                    "categoryOptions": {k: v for k, v in el.attrib.items() if k not in _VALUE_KEYS},
                    "attributeOptions": attribute_options,
                }
            )
    payload: dict[str, Any] = {"dataValues": values}
    if data_set:
        payload["dataSet"] = data_set
    return payload


def _combo_categories(combo_ids: Iterable[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for combo_id, code in (
        CategoryComboMembership.objects.filter(combo_id__in=list(combo_ids))
        .order_by("sort_order", "id")
        .values_list("combo_id", "category__code")
    ):
        out.setdefault(combo_id, []).append(code)
    return out


def adx_resolve_combos(payload: dict[str, Any], *, de_scheme: str = "code") -> dict[str, Any]:
    """Turn ADX rows' {category: option} into category/attribute option combo codes (ADX names them by
    code). A combination that names no cell is left as `category=option` text, so the import reports it
    as an unknown option combo naming what was sent."""
    rows = payload["dataValues"]
    des = idschemes.match(
        DataElement.objects.all(), de_scheme, {r["dataElement"] for r in rows}, ("category_combo_id",)
    )
    combo_ids = {de["category_combo_id"] for de in des.values() if de is not None}
    cells = {
        (combo_id, key): code
        for combo_id, key, code in CategoryOptionCombo.objects.values_list("combo_id", "option_key", "code")
    }
    categories = _combo_categories(combo_ids | {c for c, _ in cells})
    by_options: dict[frozenset[tuple[str, str]], list[str]] = {}
    for (combo_id, key), code in cells.items():
        names = categories.get(combo_id, [])
        options = key.split("|")
        if len(names) == len(options):
            by_options.setdefault(frozenset(zip(names, options, strict=True)), []).append(code)

    def cell(combo_id: int | None, chosen: dict[str, str]) -> str:
        if not chosen:
            return ""
        if combo_id is not None:
            names = categories.get(combo_id, [])
            if set(names) == set(chosen):
                code = cells.get((combo_id, "|".join(chosen[n] for n in names)))
                if code:
                    return code
            return " ".join(f"{k}={v}" for k, v in sorted(chosen.items()))
        found = by_options.get(frozenset(chosen.items()), [])
        return found[0] if len(found) == 1 else " ".join(f"{k}={v}" for k, v in sorted(chosen.items()))

    for row in rows:
        de = des.get(row["dataElement"])
        row["categoryOptionCombo"] = cell(de["category_combo_id"] if de else None, row.pop("categoryOptions"))
        row["attributeOptionCombo"] = cell(None, row.pop("attributeOptions"))
    return payload


# ---------------------------------------------------------------------------------------------------------
# Writing


_XML_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")
# Characters XML 1.0 cannot carry at all (C0 controls other than tab, newline, carriage return).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _attr(value: Any) -> str:
    return "" if value is None else _NOT_XML.sub("\ufffd", str(value))


def _name(name: str) -> str:
    if not _XML_NAME.match(name):
        raise XMLPayloadError(
            f"category code '{name[:50]}' cannot be an ADX attribute name: export as JSON or CSV"
        )
    return name


def write_dxf2(rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    """JSON-shaped dataValues -> DHIS2 XML, streamed."""
    from xml.sax.saxutils import quoteattr

    yield f'<?xml version="1.0" encoding="UTF-8"?>\n<dataValueSet xmlns="{DXF2_NS}">\n'
    keys = (
        "dataElement",
        "period",
        "orgUnit",
        "categoryOptionCombo",
        "attributeOptionCombo",
        "value",
        "storedBy",
        "created",
        "lastUpdated",
        "comment",
    )
    chunk: list[str] = []
    for r in rows:
        attrs = " ".join(f"{k}={quoteattr(_attr(r.get(k)))}" for k in keys if r.get(k) not in (None, ""))
        followup = "true" if r.get("followup") else "false"
        deleted = f' deleted="{"true" if r.get("deleted") else "false"}"' if "deleted" in r else ""
        chunk.append(f'  <dataValue {attrs} followup="{followup}"{deleted}/>\n')
        if len(chunk) >= 2000:
            yield "".join(chunk)
            chunk = []
    yield "".join(chunk) + "</dataValueSet>\n"


def write_adx(rows: Iterable[dict[str, Any]], *, data_set: str = "") -> str:
    """JSON-shaped dataValues (by code) -> ADX: one group per place, period and attribute option combo;
    disaggregations as category-code attributes. Option combos are read once."""
    from xml.sax.saxutils import escape, quoteattr

    rows = list(rows)
    cocs = {
        c.code: c
        for c in CategoryOptionCombo.objects.filter(
            code__in={r["categoryOptionCombo"] for r in rows} | {r["attributeOptionCombo"] for r in rows}
        )
    }
    categories = _combo_categories({c.combo_id for c in cocs.values()})

    def dims(code: str) -> dict[str, str]:
        coc = cocs.get(code)
        if coc is None or code == "default":
            return {}
        names = categories.get(coc.combo_id, [])
        options = coc.option_key.split("|")
        return dict(zip(names, options, strict=False)) if len(names) == len(options) else {}

    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for r in rows:
        groups.setdefault((r["orgUnit"], r["period"], r["attributeOptionCombo"]), []).append(r)
    out = [f'<?xml version="1.0" encoding="UTF-8"?>\n<adx xmlns="{ADX_NS}">\n']
    for (org_unit, period_code, aoc), values in groups.items():
        period = period_lib.parse_period(period_code)
        iso = f"{period.start.isoformat()}/{DURATION_OF.get(period.type, 'P1D')}"
        group_attrs = {"orgUnit": org_unit, "period": iso, **({"dataSet": data_set} if data_set else {})}
        group_attrs.update(dims(aoc))
        out.append(
            "  <group "
            + " ".join(f"{_name(k)}={quoteattr(_attr(v))}" for k, v in group_attrs.items())
            + ">\n"
        )
        for r in values:
            attrs = {"dataElement": r["dataElement"], **dims(r["categoryOptionCombo"]), "value": r["value"]}
            text = " ".join(f"{_name(k)}={quoteattr(_attr(v))}" for k, v in attrs.items())
            comment = r.get("comment")
            if comment:
                note = escape(_attr(comment))
                out.append(f"    <dataValue {text}><annotation>{note}</annotation></dataValue>\n")
            else:
                out.append(f"    <dataValue {text}/>\n")
        out.append("  </group>\n")
    out.append("</adx>\n")
    return "".join(out)
