"""Bulk import of historical records (paper forms, earlier spreadsheets) against a form's fields.

The file is shaped like the export: a CSV of the main table, or an XLSX whose first sheet is the main
table and whose other sheets are named after repeats (`_submission` = the record's `_id`). Columns are
question names; `_id` (optional) becomes the instanceID, so importing the same file twice stores each
record once. Every row is checked (unknown columns, required answers, numbers, dates, choices) and any
error refuses the whole file, listing each error with its sheet, row and column; nothing is half-written.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from amahoro import policy
from amahoro.audit.models import AuditAction
from amahoro.audit.services import audit_record
from amahoro.core import tabular
from amahoro.core.errors import PermissionDenied, ValidationFailed
from amahoro.policy import Actor

from .models import XForm
from .services import form_schema, instance_store, may_submit
from .xforms import FormField, FormMeta, build_instance, parse_instance

MAX_ROWS = 50_000
SYSTEM = {
    "_id",
    "_submitted_at",
    "_submitted_by",
    "_org_unit",
    "_review_state",
    "_version",
    "_submission",
    "_index",
}


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    unchanged: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        # The first AMAHORO_TABLE_MAX_ERRORS errors and how many there were: a reply stays small.
        capped = tabular.cap_errors(self.errors)
        return {
            "status": "ERROR" if self.errors else "OK",
            "rows": self.rows,
            "created": self.created,
            "unchanged": self.unchanged,
            "errors": capped.shown,
            "error_count": capped.total,
            "more_errors": capped.more,
        }


def read_sheets(content: bytes, filename: str) -> list[tuple[str, list[list[str]]]]:
    """Every sheet of an XLSX (or the one table of a CSV) as text, through the guarded table I/O module."""
    name = filename.lower()
    if tabular.is_xlsx(content, filename):
        return tabular.read_xlsx_sheets(content)
    if name.endswith(".csv"):
        return [("", tabular.read_csv(content))]
    raise ValidationFailed(_("Upload a .csv or .xlsx file"), field="file")


def _check(f: FormField, value: str) -> str | None:
    if value == "":
        return _("required") if f.required else None
    if f.type == "int":
        try:
            int(value)
        except ValueError:
            return _("not a whole number: '%(v)s'") % {"v": value}
    elif f.type == "decimal":
        try:
            float(value)
        except ValueError:
            return _("not a number: '%(v)s'") % {"v": value}
    elif f.type == "date":
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            return _("not a date (YYYY-MM-DD): '%(v)s'") % {"v": value}
    elif f.choices:
        chosen = value.split() if f.type == "select" else [value]
        unknown = [c for c in chosen if c not in f.choices]
        if unknown:
            return _("not a choice of this question: '%(v)s'") % {"v": " ".join(unknown)}
    return None


def _records(
    sheet: str, table: list[list[str]], fields: list[FormField], report: ImportReport, key: str
) -> list[tuple[int, str, dict[str, str]]]:
    rows = [r for r in table if any(c for c in r)]
    if not rows:
        return []
    header = rows[0]
    by_name = {f.name: f for f in fields}
    for name in header:
        if name and name not in by_name and name not in SYSTEM:
            report.errors.append(
                {"sheet": sheet, "row": 1, "column": name, "message": _("not a question of this form")}
            )
    missing_key = key and key not in header
    if missing_key:
        report.errors.append({"sheet": sheet, "row": 1, "column": key, "message": _("column required")})
        return []
    out = []
    for number, row in enumerate(rows[1:], start=2):
        values = {name: (row[i] if i < len(row) else "") for i, name in enumerate(header) if name}
        for name, f in by_name.items():
            problem = _check(f, values.get(name, ""))
            if problem:
                report.errors.append({"sheet": sheet, "row": number, "column": name, "message": problem})
        out.append(
            (
                number,
                values.get(key or "_id", ""),
                {k: v for k, v in values.items() if k in by_name and v != ""},
            )
        )
    if len(out) > MAX_ROWS:
        raise ValidationFailed(_("More than %(n)s rows: split the file") % {"n": MAX_ROWS}, field="file")
    return out


def submissions_import(*, actor: Actor, form: XForm, content: bytes, filename: str) -> ImportReport:
    policy.check_actor(actor)
    if not may_submit(form=form, user=actor):
        raise PermissionDenied(_("You may not add records to this form"))
    if form.encrypted:
        raise ValidationFailed(
            _("Records of an encrypted form cannot be imported on the server"), field="file"
        )
    schema: FormMeta = form_schema(form)
    sheets = read_sheets(content, filename)
    report = ImportReport()
    main = _records(sheets[0][0], sheets[0][1], schema.top_fields(), report, "")
    children: dict[str, list[dict[str, str]]] = {}
    for sheet, table in sheets[1:]:
        if sheet not in schema.repeats:
            report.errors.append(
                {"sheet": sheet, "row": 0, "column": "", "message": _("not a repeat of this form")}
            )
            continue
        for number, parent, values in _records(
            sheet, table, schema.repeat_fields(sheet), report, "_submission"
        ):
            if not parent:
                report.errors.append(
                    {"sheet": sheet, "row": number, "column": "_submission", "message": _("required")}
                )
            children.setdefault(f"{sheet}\x00{parent}", []).append(values)
    ids = [rid for _n, rid, _v in main if rid]
    for number, rid, _v in main:
        if rid and ids.count(rid) > 1:
            report.errors.append(
                {"sheet": sheets[0][0], "row": number, "column": "_id", "message": _("repeated _id")}
            )
    report.rows = len(main)
    if report.errors:
        return report
    with transaction.atomic():
        for number, rid, values in main:
            instance_id = (
                rid
                or f"uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{form.form_id}/{filename}/{number}/{sorted(values.items())}')}"
            )
            data: dict[str, Any] = dict(values)
            for name in schema.repeats:
                entries = children.get(f"{name}\x00{rid}")
                if entries:
                    data[name] = entries
            xml = build_instance(schema, data, instance_id=instance_id)
            instance = parse_instance(xml, repeats=set(schema.repeats))
            received = instance_store(form, instance, xml, [], actor, None)
            report.created += int(received.created)
            report.unchanged += int(not received.created)
        audit_record(
            actor=actor,
            action=AuditAction.IMPORT,
            obj=form,
            organisation_id=form.organisation_id,
            changes={"rows": report.rows, "created": report.created, "unchanged": report.unchanged},
            message=f"{filename}: {report.created} records imported",
        )
    return report
