"""Submissions as tables: one main table and one per repeat (rows joined by `_submission` / `_index`),
written as CSV (the main table, or one repeat), XLSX (a sheet each) or GeoJSON (geopoints). An optional
HXL hashtag row comes from the XLSForm's `hxl` column."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pyxform.xls2json_backends import get_xlsform

from amahoro.core import tabular

from .models import Submission, XForm
from .services import XLSFORM_TYPES, form_schema, submission_data

SYSTEM_COLUMNS = ["_id", "_submitted_at", "_submitted_by", "_org_unit", "_review_state", "_version"]


@dataclass
class Table:
    name: str
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    hxl: list[str] = field(default_factory=list)


def hxl_tags(form: XForm) -> dict[str, str]:
    """{question name: hashtag} from the XLSForm's survey sheet `hxl` column (pyxform drops it)."""
    ext = "." + form.xlsform_name.rsplit(".", 1)[-1].lower() if "." in form.xlsform_name else ".xlsx"
    try:
        book = get_xlsform(xlsform=bytes(form.xlsform), file_type=XLSFORM_TYPES.get(ext, ".xlsx"))
    except Exception:  # an unreadable stored workbook simply has no tags
        return {}
    return {
        str(r["name"]): str(r["hxl"]).strip() for r in book.survey or [] if r.get("hxl") and r.get("name")
    }


def _text(value: Any) -> Any:
    if isinstance(value, list):
        return len(value)
    return "" if value is None else value


def build_tables(form: XForm, submissions: Iterable[Submission], *, hxl: bool = False) -> list[Table]:
    schema = form_schema(form)
    # Top-level questions, then one column per repeat holding its number of entries.
    top = [f.name for f in schema.top_fields()] + list(schema.repeats)
    main = Table(form.form_id, SYSTEM_COLUMNS + top)
    repeats = {
        name: Table(name, ["_submission", "_index", *[f.name for f in schema.repeat_fields(name)]])
        for name in schema.repeats
    }
    for sub in submissions:
        data = submission_data(submission=sub)
        main.rows.append(
            [
                sub.instance_id,
                sub.created_at.isoformat(timespec="seconds"),
                sub.submitted_by.username
                if sub.submitted_by
                else (sub.collector_token.name if sub.collector_token else ""),
                sub.org_unit.code if sub.org_unit else "",
                sub.review_state,
                sub.form_version.version if sub.form_version else "",
            ]
            + [_text(data.get(name)) for name in top]
        )
        _collect_repeats(data, sub.instance_id, repeats)
    if hxl:
        tags = hxl_tags(form)
        system = [
            "#meta +id",
            "#date +submitted",
            "#meta +submitter",
            "#adm +code",
            "#meta +status",
            "#meta +version",
        ]
        main.hxl = system + [tags.get(n, "") for n in top]
        for table in repeats.values():
            table.hxl = ["#meta +id", "#meta +index"] + [tags.get(c, "") for c in table.columns[2:]]
    return [main, *repeats.values()]


def _collect_repeats(data: dict[str, Any], parent: str, repeats: dict[str, Table]) -> None:
    for name, table in repeats.items():
        for i, entry in enumerate(data.get(name) or [], start=1):
            if not isinstance(entry, dict):
                continue
            table.rows.append([parent, i, *[_text(entry.get(c)) for c in table.columns[2:]]])
            _collect_repeats(entry, f"{parent}/{name}[{i}]", {k: v for k, v in repeats.items() if k != name})


def to_csv(table: Table) -> str:
    """The table as CSV, every cell escaped (answers are what collectors typed: never let Excel run one)."""
    return tabular.csv_text([table.columns, *table.rows], hxl=table.hxl or None)


def to_xlsx(tables: list[Table]) -> bytes:
    """A sheet per table, every text cell escaped and never a formula cell."""
    return tabular.xlsx_bytes(
        tabular.Sheet(table.name, [table.columns, *table.rows], hxl=table.hxl or None) for table in tables
    )


def _point(raw: Any) -> list[float] | None:
    parts = str(raw or "").split()
    if len(parts) < 2:
        return None
    try:
        lat, lon = float(parts[0]), float(parts[1])
    except ValueError:
        return None
    return [lon, lat] if -90 <= lat <= 90 and -180 <= lon <= 180 else None


def to_geojson(form: XForm, submissions: Iterable[Submission], *, geo_field: str = "") -> dict[str, Any]:
    """A FeatureCollection: one Point per submission with a geopoint (the first, or `geo_field`)."""
    schema = form_schema(form)
    candidates = [f.name for f in schema.top_fields() if f.type == "geopoint"]
    name = geo_field or (candidates[0] if candidates else "")
    features = []
    for sub in submissions:
        data = submission_data(submission=sub)
        point = _point(data.get(name)) if name else None
        if point is None:
            continue
        props = {k: v for k, v in data.items() if not isinstance(v, list)}
        props.update(_id=sub.instance_id, _review_state=sub.review_state)
        features.append(
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": point}, "properties": props}
        )
    return {"type": "FeatureCollection", "features": features}


def submission_json(sub: Submission) -> dict[str, Any]:
    return {
        "instance_id": sub.instance_id,
        "form_id": sub.form.form_id,
        "version": sub.form_version.version if sub.form_version else "",
        "submitted_at": sub.created_at.isoformat(),
        "submitted_by": sub.submitted_by.username if sub.submitted_by else "",
        "org_unit": sub.org_unit.code if sub.org_unit else None,
        "review_state": sub.review_state,
        "encrypted": sub.encrypted,
        "deprecated_id": sub.deprecated_id or None,
        "attachments": [a.filename for a in sub.attachments.all()],
        "data": submission_data(submission=sub),
    }
