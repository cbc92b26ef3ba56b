"""Budget lines and transactions as a table: the XLSX/CSV template, its all-or-nothing import with errors
per row and column, and exports (records, and totals per node) as XLSX or CSV with an HXL hashtag row.

Columns (row 1; on CSV exports row 2 holds HXL hashtags, which the import skips):
record_type (budget | commitment | disbursement | expenditure), framework, node, organisation,
implementing_partner, funder, funder_name, fiscal_year (budget lines: e.g. 2024July), date (transactions:
YYYY-MM-DD), amount, currency (ISO 4217), org_unit (optional place code), description, published, sensitive.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import transaction

from amahoro import policy
from amahoro.core import tabular
from amahoro.core.errors import AmahoroError, ValidationFailed
from amahoro.core.tabular import RowError
from amahoro.frameworks.models import Node
from amahoro.geo.models import OrgUnit
from amahoro.organisations.models import Organisation
from amahoro.policy import Actor
from amahoro.roles import Perm

from . import services
from .models import BudgetLine, Source, Transaction

COLUMNS = (
    "record_type", "framework", "node", "organisation", "implementing_partner", "funder", "funder_name",
    "fiscal_year", "date", "amount", "currency", "org_unit", "description", "published", "sensitive",
)  # fmt: skip
REQUIRED = ("record_type", "organisation", "amount", "currency")
HXL = {
    "record_type": "#meta+type", "framework": "#activity+framework+code", "node": "#activity+code",
    "organisation": "#org+prog+code", "implementing_partner": "#org+impl+code", "funder": "#org+funder+code",
    "funder_name": "#org+funder+name", "fiscal_year": "#date+fiscal", "date": "#date", "amount": "#value",
    "currency": "#currency", "org_unit": "#loc+code", "description": "#description", "published": "#meta+published",
    "sensitive": "#meta+sensitive",
}  # fmt: skip
SUMMARY_COLUMNS = ("framework", "node_code", "node_name", "kind", "depth", "planned", "committed", "disbursed",
                   "spent", "gap", "burn_rate", "currency")  # fmt: skip
SUMMARY_HXL = {
    "framework": "#activity+framework+code", "node_code": "#activity+code", "node_name": "#activity+name",
    "kind": "#activity+type", "depth": "#meta+depth", "planned": "#value+planned", "committed": "#value+committed",
    "disbursed": "#value+disbursed", "spent": "#value+spent", "gap": "#value+gap",
    "burn_rate": "#indicator+burn_rate+num", "currency": "#currency",
}  # fmt: skip
RECORD_TYPES = ("budget", "commitment", "disbursement", "expenditure")
YES = {"yes", "y", "true", "1", "oui", "yego"}
NO = {"", "no", "n", "false", "0", "non", "oya"}
MAX_ROWS = 20_000
EXAMPLE = {
    "record_type": "budget", "framework": "RW-NAP1325-2018", "node": "P2.O1", "organisation": "RWAMREC",
    "funder_name": "Demo Donor Fund", "fiscal_year": "2024July", "amount": "12000000", "currency": "RWF",
    "description": "Community dialogue sessions", "published": "yes", "sensitive": "no",
}  # fmt: skip


class SpreadsheetInvalid(ValidationFailed):
    """Nothing imported: the errors name each row and column."""

    def __init__(self, errors: list[RowError]) -> None:
        shown = "; ".join(str(e) for e in errors[:5])
        more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
        super().__init__(f"nothing imported: {shown}{more}", field="file", code="invalid_rows")
        self.errors = errors

    def as_dict(self) -> dict[str, Any]:  # type: ignore[override]
        capped = tabular.cap_errors(self.errors)
        return super().as_dict() | {
            "errors": [e.as_dict() for e in capped.shown],
            "error_count": capped.total,
            "more_errors": capped.more,
        }


# ---------------------------------------------------------------------------------------------------------
# Reading


def read_table(content: bytes, filename: str) -> list[list[str]]:
    """The rows of a CSV or XLSX upload (the 'funding' sheet, else the first), through the guarded table
    I/O module (archive checks and row/column/cell limits)."""
    if tabular.is_xlsx(content, filename):
        rows = tabular.read_xlsx(content, sheet="funding", text=tabular.day_text)
    else:
        rows = tabular.read_csv(content)
    rows = [r for r in rows if any(c for c in r)]
    if len(rows) > MAX_ROWS + 2:
        raise ValidationFailed(f"more than {MAX_ROWS} rows: split the file", field="file")
    return rows


def _header(rows: list[list[str]]) -> tuple[dict[str, int], int]:
    if not rows:
        raise ValidationFailed("the file is empty: download the template", field="file")
    header = [c.strip().lower() for c in rows[0]]
    unknown = [c for c in header if c and c not in COLUMNS]
    if unknown:
        raise SpreadsheetInvalid(
            [RowError(1, c, f"unknown column (expected: {', '.join(COLUMNS)})") for c in unknown]
        )
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise SpreadsheetInvalid([RowError(1, c, "required column missing") for c in missing])
    start = 2 if len(rows) > 1 and rows[1] and rows[1][0].startswith("#") else 1  # an HXL row
    return {c: i for i, c in enumerate(header) if c}, start


def _flag(raw: str) -> bool | None:
    value = raw.strip().lower()
    return True if value in YES else False if value in NO else None


@transaction.atomic
def funding_table_import(*, actor: Actor, content: bytes, filename: str) -> dict[str, Any]:
    """Import budget lines and transactions: all rows or none (SpreadsheetInvalid lists every error)."""
    policy.check_actor(actor)
    rows = read_table(content, filename)
    col, start = _header(rows)
    errors: list[RowError] = []
    created = {"budget": 0, "commitment": 0, "disbursement": 0, "expenditure": 0}
    orgs = {o.code: o for o in Organisation.objects.filter(is_active=True)}
    nodes_cache: dict[tuple[str, str], Node | None] = {}
    units: dict[str, OrgUnit | None] = {}
    for number, raw in enumerate(rows[start:], start=start + 1):
        cell = {c: (raw[i] if i < len(raw) else "").strip() for c, i in col.items()}

        def err(column: str, message: str, number: int = number) -> None:
            errors.append(RowError(number, column, message))

        kind = cell.get("record_type", "").lower()
        if kind not in RECORD_TYPES:
            err("record_type", f"'{cell.get('record_type', '')}' is not one of {', '.join(RECORD_TYPES)}")
            continue
        org = orgs.get(cell.get("organisation", ""))
        if org is None:
            err("organisation", f"unknown organisation '{cell.get('organisation', '')}'")
            continue
        parties: dict[str, Organisation | None] = {}
        bad = False
        for key in ("implementing_partner", "funder"):
            code = cell.get(key, "")
            parties[key] = orgs.get(code) if code else None
            if code and parties[key] is None:
                err(key, f"unknown organisation '{code}'")
                bad = True
        node = None
        if cell.get("node"):
            fw_code = cell.get("framework", "")
            if not fw_code:
                err("framework", "required when node is given")
                continue
            key2 = (fw_code, cell["node"])
            if key2 not in nodes_cache:
                nodes_cache[key2] = (
                    policy.visible(actor, Perm.FRAMEWORK_VIEW, Node.objects.all())
                    .filter(framework__code=fw_code, code=cell["node"])
                    .first()
                )
            node = nodes_cache[key2]
            if node is None:
                err("node", f"node '{cell['node']}' not found in framework '{fw_code}'")
                continue
        unit = None
        if cell.get("org_unit"):
            code = cell["org_unit"]
            if code not in units:
                units[code] = OrgUnit.objects.filter(code=code).first()
            unit = units[code]
            if unit is None:
                err("org_unit", f"unknown place code '{code}'")
                continue
        flags = {}
        for key in ("published", "sensitive"):
            flags[key] = _flag(cell.get(key, ""))
            if flags[key] is None:
                err(key, f"'{cell.get(key)}' is not yes or no")
                bad = True
        if bad:
            continue
        common: dict[str, Any] = {
            "actor": actor, "organisation": org, "node": node, "amount": cell.get("amount", ""),
            "currency": cell.get("currency", ""), "org_unit": unit, "funder_name": cell.get("funder_name", "")[:300],
            "description": cell.get("description", "")[:500], "is_published": bool(flags["published"]),
            "is_sensitive": bool(flags["sensitive"]), "source": Source.XLSX, **parties,
        }  # fmt: skip
        try:
            if kind == "budget":
                if not cell.get("fiscal_year"):
                    err("fiscal_year", "required for a budget line (e.g. 2024July)")
                    continue
                services.budget_line_create(fiscal_year=cell["fiscal_year"], **common)
            else:
                raw_date = cell.get("date", "")
                try:
                    day = dt.date.fromisoformat(raw_date[:10]) if raw_date else None
                except ValueError:
                    err("date", f"'{raw_date}' is not a date (YYYY-MM-DD)")
                    continue
                if day is None:
                    err("date", f"required for a {kind}")
                    continue
                services.transaction_create(kind=kind, date=day, **common)
        except AmahoroError as exc:
            column = (
                exc.field
                if exc.field in COLUMNS
                else ("organisation" if exc.status == 403 else exc.field or "")
            )
            message = (
                exc.message.split(": ", 1)[1] if exc.message.startswith(f"{exc.field}: ") else exc.message
            )
            err(column or "record_type", message)
            continue
        created[kind] += 1
    if errors:
        raise SpreadsheetInvalid(errors)  # leaving the atomic block with an error undoes every row
    return {"status": "OK", "imported": created, "rows": sum(created.values())}


# ---------------------------------------------------------------------------------------------------------
# Writing


def record_rows(budgets: Iterable[BudgetLine], txs: Iterable[Transaction]) -> list[dict[str, str]]:
    def base(r: Any) -> dict[str, str]:
        return {
            "framework": r.node.framework.code if r.node_id else "", "node": r.node.code if r.node_id else "",
            "organisation": r.organisation.code,
            "implementing_partner": r.implementing_partner.code if r.implementing_partner_id else "",
            "funder": r.funder.code if r.funder_id else "", "funder_name": r.funder_name,
            "amount": f"{r.amount:.2f}", "currency": r.currency, "org_unit": r.org_unit.code if r.org_unit_id else "",
            "description": r.description, "published": "yes" if r.is_published else "no",
            "sensitive": "yes" if r.is_sensitive else "no",
        }  # fmt: skip

    out = [base(b) | {"record_type": "budget", "fiscal_year": b.fiscal_year, "date": ""} for b in budgets]
    out += [base(t) | {"record_type": t.kind, "fiscal_year": "", "date": t.date.isoformat()} for t in txs]
    return out


def csv_bytes(rows: Sequence[dict[str, Any]], columns: Sequence[str], hxl: dict[str, str]) -> bytes:
    """The rows as CSV, with the HXL hashtags of `columns` in row 2."""
    table: list[list[Any]] = [list(columns), *([r.get(c) for c in columns] for r in rows)]
    return tabular.csv_text(table, hxl=[hxl[c] for c in columns]).encode("utf-8")


HELP_ROWS = (
    ("record_type", "budget, commitment, disbursement or expenditure"),
    ("framework, node", "framework code and node code (e.g. RW-NAP1325-2018, P2.O1)"),
    ("organisation", "code of the responsible agency (required)"),
    (
        "implementing_partner, funder",
        "organisation codes (optional); funder_name for a funder not registered",
    ),
    ("fiscal_year", "budget lines: period code, Rwanda's July-June year e.g. 2024July"),
    ("date", "transactions: YYYY-MM-DD (the value date)"),
    ("amount, currency", "a number, and an ISO 4217 code such as RWF, USD, EUR"),
    ("org_unit", "optional place code (e.g. 43 for Musanze)"),
    ("published, sensitive", "yes/no: published, non-sensitive figures appear on the public portal"),
    ("all or nothing", "if any row has an error, nothing is imported and every error is listed"),
)


def xlsx_bytes(rows: Sequence[dict[str, Any]], columns: Sequence[str], *, title: str = "funding") -> bytes:
    """The rows in sheet `title` (bold header), and a 'help' sheet describing the columns."""
    table: list[list[Any]] = [list(columns), *([r.get(c) for c in columns] for r in rows)]
    return tabular.xlsx_bytes([tabular.Sheet(title, table, styled=True), tabular.Sheet("help", HELP_ROWS)])


def template_xlsx() -> bytes:
    return xlsx_bytes([EXAMPLE], COLUMNS)
