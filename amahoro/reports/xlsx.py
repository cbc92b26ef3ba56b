"""Workbook helpers for the reports (contract R4): titled, frozen header rows, number formats. Every value
goes through core.tabular.xlsx_cell, so no text (a name typed by a user) ever becomes a formula; reports
write numbers as numbers and never write formulas at all."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from amahoro.core.tabular import workbook_bytes, xlsx_cell

INTEGER = "#,##0"
DECIMAL = "#,##0.0#"
PERCENT = "0%"
MONEY = "#,##0"
HEADER_FILL = PatternFill("solid", fgColor="E8EEF5")
BOLD = Font(bold=True)
TITLE = Font(bold=True, size=14)


def new_workbook() -> Workbook:
    workbook = Workbook()
    workbook.remove(workbook.active)  # type: ignore[arg-type]
    return workbook


def sheet(workbook: Workbook, title: str, *, heading: Sequence[str] = ()) -> Worksheet:
    """A sheet named `title` (cut to Excel's 31 characters) with the heading lines on top, in bold."""
    ws = workbook.create_sheet(title[:31].replace("/", "-"))
    for n, line in enumerate(heading, start=1):
        cell = ws.cell(row=n, column=1, value=xlsx_cell(line))
        cell.font = TITLE if n == 1 else BOLD
    return ws


def header(
    ws: Worksheet, row: int, values: Iterable[Any], *, freeze: bool = True, first_columns: int = 1
) -> None:
    """A bold, shaded, wrapped header row; `freeze` keeps it (and `first_columns` columns) in view."""
    for col, value in enumerate(values, start=1):
        cell = ws.cell(row=row, column=col, value=xlsx_cell(value))
        cell.font = BOLD
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    if freeze:
        ws.freeze_panes = ws.cell(row=row + 1, column=first_columns + 1)


def write(
    ws: Worksheet, row: int, values: Iterable[Any], *, formats: Sequence[str | None] = (), bold: bool = False
) -> None:
    """One row of values from column 1; `formats[i]` is column i+1's number format (None: general)."""
    for col, value in enumerate(values, start=1):
        cell = ws.cell(row=row, column=col, value=xlsx_cell(value))
        fmt = formats[col - 1] if col - 1 < len(formats) else None
        if fmt and isinstance(value, int | float):
            cell.number_format = fmt
        if bold:
            cell.font = BOLD


def widths(ws: Worksheet, values: Sequence[float]) -> None:
    for col, width in enumerate(values, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width


def to_bytes(workbook: Workbook) -> bytes:
    return workbook_bytes(workbook)
