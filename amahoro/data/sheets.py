"""Data values as tables: DHIS2's dataValueSets CSV, and the CSV/XLSX template M&E officers fill in (the
data-value columns and codes only: reading, writing, limits and escaping are amahoro.core.tabular's).

Template columns: data_element, org_unit, period, category_option_combo (or one column per category, named by
the category's code, holding option codes), attribute_option_combo (optional), value, comment. Rows become
dataValueSets rows for the import engine; its conflicts come back as row-level errors {row, column, message}
(row 1 is the header).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from amahoro.core import tabular
from amahoro.core.tabular import RowError
from amahoro.metadata.models import Category, CategoryComboMembership, CategoryOptionCombo, DataElement

# DHIS2's CSV column order (dataValueSets with Content-Type application/csv).
DHIS2_CSV_COLUMNS = (
    "dataelement",
    "period",
    "orgunit",
    "categoryoptioncombo",
    "attributeoptioncombo",
    "value",
    "storedby",
    "lastupdated",
    "comment",
    "followup",
)
_DHIS2_FIELDS = ("dataElement", "period", "orgUnit", "categoryOptionCombo", "attributeOptionCombo", "value")

TEMPLATE_COLUMNS = (
    "data_element",
    "org_unit",
    "period",
    "category_option_combo",
    "attribute_option_combo",
    "value",
    "comment",
)
REQUIRED_COLUMNS = ("data_element", "org_unit", "period", "value")
_FIELD_OF_COLUMN = {
    "data_element": "dataElement",
    "org_unit": "orgUnit",
    "period": "period",
    "category_option_combo": "categoryOptionCombo",
    "attribute_option_combo": "attributeOptionCombo",
    "value": "value",
    "comment": "comment",
}
COLUMN_OF_FIELD = {v: k for k, v in _FIELD_OF_COLUMN.items()}
# Dates in a sheet become period codes (YYYYMMDD), as DHIS2 writes daily periods.
_cell_text = partial(tabular.cell_text, day_format="%Y%m%d")


# ---------------------------------------------------------------------------------------------------------
# DHIS2 CSV


def dhis2_csv_rows(text: str) -> list[dict[str, Any]]:
    """dataValueSets CSV -> rows. Columns are positional (DHIS2's order); a header row is skipped."""
    rows: list[dict[str, Any]] = []
    for n, record in enumerate(tabular.iter_csv(text)):
        if not record or all(not cell.strip() for cell in record):
            continue
        if n == 0 and record[0].strip().lower() == "dataelement":
            continue
        cells = [c.strip() for c in record] + [""] * (len(DHIS2_CSV_COLUMNS) + 1 - len(record))
        row: dict[str, Any] = dict(zip(_DHIS2_FIELDS, cells[:6], strict=True))
        row["comment"] = cells[8]
        row["deleted"] = cells[10] if len(record) > 10 else None
        rows.append(row)
    return rows


def dhis2_csv_write(rows: Iterable[dict[str, Any]], *, include_deleted: bool = False) -> Iterator[str]:
    """JSON-shaped dataValues -> DHIS2 CSV lines (header first)."""
    buffer = io.StringIO()
    writer = tabular.CSVWriter(buffer, lineterminator="\n")
    header = list(DHIS2_CSV_COLUMNS) + (["deleted"] if include_deleted else [])
    writer.writerow(header)
    for r in rows:
        line = [
            r["dataElement"],
            r["period"],
            r["orgUnit"],
            r["categoryOptionCombo"],
            r["attributeOptionCombo"],
            r["value"],
            r.get("storedBy", ""),
            r.get("lastUpdated", ""),
            r.get("comment", ""),
            "true" if r.get("followup") else "false",
        ]
        if include_deleted:
            line.append("true" if r.get("deleted") else "false")
        writer.writerow(line)
        if buffer.tell() > 64_000:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


# ---------------------------------------------------------------------------------------------------------
# Template files


@dataclass
class ParsedTable:
    rows: list[dict[str, Any]] = field(default_factory=list)  # engine rows (DHIS2 field names)
    row_numbers: list[int] = field(default_factory=list)  # file row of each engine row
    errors: list[RowError] = field(default_factory=list)
    category_columns: list[str] = field(default_factory=list)
    total_rows: int = 0


def _normalise_header(name: Any) -> str:
    return _cell_text(name).lower().replace(" ", "_").replace("-", "_")


def read_table(content: bytes, filename: str) -> list[list[str]]:
    """The cells of a CSV or XLSX upload as text, header first (XLSX: the 'data' sheet, else the first)."""
    return tabular.read_table(content, filename, sheet="data", text=_cell_text)


def parse_template(table: list[list[str]]) -> ParsedTable:
    """Template cells -> engine rows, with header problems and option-combination problems as row errors."""
    parsed = ParsedTable()
    while table and not any(table[0]):
        table = table[1:]
    if not table:
        parsed.errors.append(RowError(1, "", "the file is empty: keep the header row of the template"))
        return parsed
    header = [_normalise_header(h) for h in table[0]]
    for column in REQUIRED_COLUMNS:
        if column not in header:
            parsed.errors.append(RowError(1, column, f"missing column '{column}'"))
    extra = [h for h in header if h and h not in TEMPLATE_COLUMNS]
    known_categories = set(Category.objects.filter(code__in=extra).values_list("code", flat=True))
    lower_known = {c.lower(): c for c in known_categories}
    for h in extra:
        if h not in lower_known and h not in known_categories:
            parsed.errors.append(
                RowError(1, h, f"unknown column '{h}' (not a template column nor a category code)")
            )
    if parsed.errors:
        return parsed
    parsed.category_columns = [h for h in header if h in lower_known or h in known_categories]
    index = {h: i for i, h in enumerate(header) if h}
    records = [(n, r) for n, r in enumerate(table[1:], start=2) if any(c.strip() for c in r)]
    parsed.total_rows = len(records)
    combos = _option_resolver(records, index, parsed.category_columns, lower_known)
    for n, record in records:

        def cell(column: str, record: list[str] = record) -> str:
            i = index.get(column)
            return record[i].strip() if i is not None and i < len(record) else ""

        row: dict[str, Any] = {field_name: cell(column) for column, field_name in _FIELD_OF_COLUMN.items()}
        row["deleted"] = None
        if not row["categoryOptionCombo"] and parsed.category_columns:
            options = {lower_known.get(c, c): cell(c) for c in parsed.category_columns}
            options = {k: v for k, v in options.items() if v}
            if options:
                coc, problem = combos(row["dataElement"], options)
                if problem:
                    parsed.errors.append(RowError(n, parsed.category_columns[0], problem))
                    continue
                row["categoryOptionCombo"] = coc
        parsed.rows.append(row)
        parsed.row_numbers.append(n)
    return parsed


def _option_resolver(
    records: Sequence[tuple[int, list[str]]],
    index: dict[str, int],
    category_columns: list[str],
    lower_known: dict[str, str],
) -> Any:
    """A function (data element code, {category: option}) -> (coc code, problem)."""
    de_codes = {r[index["data_element"]].strip() for _, r in records if index["data_element"] < len(r)}
    combo_of = dict(DataElement.objects.filter(code__in=de_codes).values_list("code", "category_combo_id"))
    categories_of: dict[int, list[str]] = {}
    for combo_id, category_code in CategoryComboMembership.objects.filter(
        combo_id__in=set(combo_of.values())
    ).values_list("combo_id", "category__code"):
        categories_of.setdefault(combo_id, []).append(category_code)
    cocs: dict[tuple[int, frozenset[str]], str] = {}
    for combo_id, code, key in CategoryOptionCombo.objects.filter(
        combo_id__in=set(combo_of.values())
    ).values_list("combo_id", "code", "option_key"):
        cocs[(combo_id, frozenset(key.split("|")))] = code

    def resolve(de_code: str, options: dict[str, str]) -> tuple[str | None, str | None]:
        combo_id = combo_of.get(de_code)
        if combo_id is None:
            return None, None  # the engine names the unknown data element
        wanted = categories_of.get(combo_id, [])
        relevant = {k: v for k, v in options.items() if k in wanted}
        stray = sorted(set(options) - set(wanted))
        if stray:
            return None, f"data element {de_code} is not disaggregated by {', '.join(stray)}"
        missing = [c for c in wanted if c not in relevant]
        if missing:
            return None, f"data element {de_code} needs an option for {', '.join(missing)}"
        code = cocs.get((combo_id, frozenset(relevant.values())))
        if code is None:
            combination = " + ".join(relevant[c] for c in wanted)
            return None, f"no category option combo of {de_code} has the options {combination}"
        return code, None

    return resolve


def template_rows(
    *,
    data_elements: Sequence[DataElement],
    org_units: Sequence[str],
    periods: Sequence[str],
    by_options: bool,
) -> tuple[list[str], list[list[str]]]:
    """Header and pre-filled rows: one per data element x category option combo (x org unit x period)."""
    combo_ids = {de.category_combo_id for de in data_elements}
    memberships = list(
        CategoryComboMembership.objects.filter(combo_id__in=combo_ids)
        .select_related("category")
        .order_by("combo_id", "sort_order")
    )
    categories_of: dict[int, list[str]] = {}
    for m in memberships:
        categories_of.setdefault(m.combo_id, []).append(m.category.code)
    category_columns: list[str] = []
    for m in memberships:
        if m.category.code not in category_columns and m.category.code != "default":
            category_columns.append(m.category.code)
    cocs: dict[int, list[CategoryOptionCombo]] = {}
    for coc in CategoryOptionCombo.objects.filter(combo_id__in=combo_ids).order_by("combo_id", "pk"):
        cocs.setdefault(coc.combo_id, []).append(coc)
    if by_options:
        header = [
            "data_element",
            "org_unit",
            "period",
            *category_columns,
            "attribute_option_combo",
            "value",
            "comment",
        ]
    else:
        header = list(TEMPLATE_COLUMNS)
    rows: list[list[str]] = []
    for de in data_elements:
        for coc in cocs.get(de.category_combo_id, []):
            for ou in org_units or [""]:
                for pe in periods or [""]:
                    if by_options:
                        options = dict(
                            zip(
                                categories_of.get(de.category_combo_id, []),
                                coc.option_key.split("|"),
                                strict=False,
                            )
                        )
                        middle = [options.get(c, "") for c in category_columns]
                        rows.append([de.code, ou, pe, *middle, "", "", ""])
                    else:
                        rows.append([de.code, ou, pe, coc.code, "", "", ""])
    return header, rows


def template_csv(header: list[str], rows: list[list[str]]) -> str:
    return tabular.csv_text([header, *rows], lineterminator="\n")


README_LINES = (
    "Fill in the 'value' column (and 'comment' if useful) of the 'data' sheet, then upload the file.",
    "Columns: data_element, org_unit (official code), period (DHIS2 code: 202401, 2024Q1, 2024July ...),",
    "category_option_combo (or one column per category holding option codes), value, comment.",
    "Leave attribute_option_combo empty unless the values belong to an implementing organisation.",
    "Rows with errors are listed with row and column; nothing is saved unless every row is valid,",
    "or you ask to import the valid rows only. The 'codes' sheet lists the valid codes.",
)


def template_xlsx(header: list[str], rows: list[list[str]], *, data_elements: Sequence[DataElement]) -> bytes:
    """Sheets 'data' (the template), 'codes' (valid option combos per data element) and 'README'."""
    combo_ids = {de.category_combo_id for de in data_elements}
    cocs: dict[int, list[CategoryOptionCombo]] = {}
    for coc in (
        CategoryOptionCombo.objects.filter(combo_id__in=combo_ids)
        .select_related("combo")
        .order_by("combo_id", "pk")
    ):
        cocs.setdefault(coc.combo_id, []).append(coc)
    codes = [
        ["data_element", "name", "value_type", "category_combo", "category_option_combo", "options"],
        *(
            [de.code, de.name, de.value_type, coc.combo.code, coc.code, coc.option_key.replace("|", " + ")]
            for de in data_elements
            for coc in cocs.get(de.category_combo_id, [])
        ),
    ]
    widths = {i: max(14, len(name) + 4) for i, name in enumerate(header, start=1)}
    return tabular.xlsx_bytes(
        [
            tabular.Sheet("data", [header, *rows], styled=True, widths=widths),
            tabular.Sheet("codes", codes),
            tabular.Sheet("README", ([line] for line in README_LINES)),
        ]
    )
