"""The one table I/O module: the escaping rule, the XLSX archive guard (a real zip bomb), the streaming
reader's limits, the writers (no formula cells) and capped error lists."""

from __future__ import annotations

import csv
import io
import time
import zipfile
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import load_workbook

from amahoro.core import tabular
from amahoro.core.errors import ValidationFailed
from amahoro.core.tests.xlsx_files import replace_sheet, sheet_declaring, wide_row, workbook, zip_bomb

HOSTILE = ["=cmd|' /C calc'!A0", "+1", "-1+1", "@SUM(1)", "\t=1+1", "\r=1+1", "=1+1", "-", "+"]


@pytest.mark.parametrize("text", HOSTILE)
def test_formula_like_text_gets_an_apostrophe(text: str) -> None:
    assert tabular.safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["-12", "-12.5", "-1e5", "12", "abc", "", "'=x", "a=b", 5, -5, 1.5, None])
def test_numbers_and_plain_text_stay_as_they_are(value: Any) -> None:
    assert tabular.safe_cell(value) == ("" if value is None else value)


WRITERS = {
    "csv_text": lambda rows: list(csv.reader(io.StringIO(tabular.csv_text(rows)))),
    "csv_lines": lambda rows: list(csv.reader(io.StringIO("".join(tabular.csv_lines(rows))))),
    "xlsx_bytes": lambda rows: [
        ["" if c.value is None else c.value for c in r]
        for r in _no_formulas(load_workbook(io.BytesIO(tabular.xlsx_bytes([("s", rows)]))))["s"].iter_rows()
    ],
}


def _no_formulas(book: Any) -> Any:
    for ws in book.worksheets:
        for row in ws.iter_rows():
            assert all(c.data_type != "f" for c in row)
    return book


@pytest.mark.parametrize("writer", WRITERS)
def test_every_writer_escapes_every_text_cell(writer: str) -> None:
    rows = WRITERS[writer]([["h"], *([t] for t in HOSTILE)])
    # XML (so XLSX) reads a CR back as a line feed; what matters is the apostrophe in front.
    expected = ["'" + (t.replace("\r", "\n") if writer.startswith("xlsx") else t) for t in HOSTILE]
    assert [r[0] for r in rows[1:]] == expected


def test_xlsx_keeps_types_and_drops_characters_xml_cannot_hold() -> None:
    content = tabular.xlsx_bytes([("s", [[1, 2.5, Decimal("3.25"), date(2024, 1, 2), "a\x00b\x1fc", -4]])])
    row = next(load_workbook(io.BytesIO(content))["s"].iter_rows(values_only=True))
    assert row[:3] == (1, 2.5, 3.25) and row[3].date() == date(2024, 1, 2)
    assert row[4:] == ("abc", -4)


def test_a_carriage_return_never_ends_a_row_of_an_lf_csv() -> None:
    text = tabular.csv_text([["a\r=1+1", "b"], ["c", "d"]], lineterminator="\n")
    assert list(csv.reader(io.StringIO(text))) == [["a\n=1+1", "b"], ["c", "d"]]


def test_csv_writer_escapes_objects_written_as_text() -> None:
    class Sneaky:
        def __str__(self) -> str:
            return "=1+1"

    assert tabular.csv_text([[Sneaky(), {"a": 1}, None, 3]]) == "'=1+1,{'a': 1},,3\r\n"


# --- the archive guard ----------------------------------------------------------------------------------


def test_zip_bomb_is_refused_before_it_is_unpacked() -> None:
    bomb = zip_bomb()
    assert len(bomb) < 1024 * 1024  # 300 MB of sheet XML in under 1 MB
    started = time.monotonic()
    with pytest.raises(tabular.TableLimitExceeded, match="AMAHORO_XLSX_MAX_MEMBER") as refused:
        tabular.check_xlsx_archive(bomb)
    assert time.monotonic() - started < 1
    assert refused.value.field == "file" and len(refused.value.message) < 300


def test_total_uncompressed_size_and_ratio_and_members(settings: Any) -> None:
    settings.AMAHORO_XLSX_MAX_MEMBER = 400 * 1024 * 1024
    with pytest.raises(tabular.TableLimitExceeded, match="AMAHORO_XLSX_MAX_UNCOMPRESSED"):
        tabular.check_xlsx_archive(zip_bomb())
    settings.AMAHORO_XLSX_MAX_UNCOMPRESSED = 400 * 1024 * 1024
    with pytest.raises(tabular.TableLimitExceeded, match="AMAHORO_XLSX_MAX_RATIO"):
        tabular.check_xlsx_archive(zip_bomb())
    settings.AMAHORO_XLSX_MAX_MEMBERS = 3
    with pytest.raises(tabular.TableLimitExceeded, match="AMAHORO_XLSX_MAX_MEMBERS"):
        tabular.check_xlsx_archive(workbook([["a"]]))


@pytest.mark.parametrize("ref", ["A1:XFD1048576", "A1:AMJ1048576", "A1:BZZ10"])
def test_a_declared_dimension_alone_is_not_refused_nor_trusted(ref: str) -> None:
    # Real workbooks declare whole-sheet dimensions (pyxform's UCL_Biomass_Plot_Form.xlsx: A1:AMJ1048576);
    # the guard counts real rows, and the reader ignores the declaration instead of padding to it.
    content = sheet_declaring(ref)
    tabular.check_xlsx_archive(content)
    assert tabular.read_xlsx(content) == [["x"]]


def test_real_rows_and_cells_are_counted_whatever_the_dimension_says(settings: Any) -> None:
    settings.AMAHORO_TABLE_MAX_ROWS = 50
    many = workbook([[i] for i in range(60)])
    with pytest.raises(tabular.TableLimitExceeded, match="AMAHORO_TABLE_MAX_ROWS"):
        tabular.check_xlsx_archive(many)
    with pytest.raises(tabular.TableLimitExceeded, match="AMAHORO_TABLE_MAX_COLUMNS"):
        tabular.check_xlsx_archive(wide_row(1001))  # every cell at A1: openpyxl would hold them all


def test_namespace_prefixed_rows_are_counted(settings: Any) -> None:
    settings.AMAHORO_TABLE_MAX_ROWS = 5
    xml = (
        b'<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData>'
        + b'<x:row><x:c t="inlineStr"><x:is><x:t>a</x:t></x:is></x:c></x:row>' * 10
        + b"</x:sheetData></x:worksheet>"
    )
    with pytest.raises(tabular.TableLimitExceeded, match="AMAHORO_TABLE_MAX_ROWS"):
        tabular.check_xlsx_archive(replace_sheet(workbook([["a"]]), [xml]))


def test_not_a_zip_is_a_validation_error_not_a_500() -> None:
    with pytest.raises(ValidationFailed, match=r"not a readable \.xlsx"):
        tabular.check_xlsx_archive(b"PK\x03\x04 garbage")
    with pytest.raises(ValidationFailed, match=r"not a readable \.xlsx"):
        tabular.read_xlsx(b"PK\x03\x04 garbage")


HXL_WRITERS = {
    "csv_text": lambda rows, hxl: list(csv.reader(io.StringIO(tabular.csv_text(rows, hxl=hxl)))),
    "csv_lines": lambda rows, hxl: list(csv.reader(io.StringIO("".join(tabular.csv_lines(rows, hxl=hxl))))),
    "xlsx_bytes": lambda rows, hxl: [
        ["" if c.value is None else c.value for c in r]
        for r in load_workbook(io.BytesIO(tabular.xlsx_bytes([tabular.Sheet("s", rows, hxl=hxl)])))[
            "s"
        ].iter_rows()
    ],
}


@pytest.mark.parametrize("writer", HXL_WRITERS)
def test_every_writer_puts_the_hxl_row_under_the_header(writer: str) -> None:
    rows = HXL_WRITERS[writer]([["name", "women"], ["=x", 3]], ["#org +name", "#population +f"])
    assert rows == [
        ["name", "women"],
        ["#org +name", "#population +f"],
        ["'=x", 3 if writer == "xlsx_bytes" else "3"],
    ]
    assert HXL_WRITERS[writer]([["name"], ["a"]], None) == [["name"], ["a"]]
    assert HXL_WRITERS[writer]([], ["#x"]) == []  # no header, no hashtag row


def test_a_styled_sheet_has_a_bold_frozen_header_widths_and_drop_down_lists() -> None:
    content = tabular.xlsx_bytes(
        [
            tabular.Sheet("a", [["kind", "name"], ["pillar", "=x"]], styled=True, widths={2: 40},
                          choices={1: ["pillar", "outcome"]}, choice_rows=50),
            ("b", [["plain"]]),
        ]
    )  # fmt: skip
    book = _no_formulas(load_workbook(io.BytesIO(content)))
    a, b = book["a"], book["b"]
    assert a.freeze_panes == "A2" and a["A1"].font.b and not a["A2"].font.b
    assert a.column_dimensions["B"].width == 40 and a["B2"].value == "'=x"
    (dv,) = a.data_validations.dataValidation
    assert dv.formula1 == '"pillar,outcome"' and str(dv.sqref) == "A2:A50"
    assert b.freeze_panes is None and not b["A1"].font.b


def test_cell_text_reads_dates_as_iso_days_or_in_a_given_format() -> None:
    assert tabular.cell_text(datetime(2024, 1, 2)) == "2024-01-02"
    assert tabular.cell_text(datetime(2024, 1, 2, 10, 30)) == "2024-01-02T10:30:00"
    assert tabular.day_text(datetime(2024, 1, 2, 10, 30)) == "2024-01-02"
    assert tabular.cell_text(date(2024, 1, 2), day_format="%Y%m%d") == "20240102"
    assert [tabular.cell_text(v) for v in (None, True, 12.0, 12.5, " a ")] == ["", "true", "12", "12.5", "a"]


def test_csv_may_be_windows_1252_where_asked() -> None:
    assert tabular.decode_csv("caf\u00e9".encode("cp1252"), windows_1252=True) == "caf\u00e9"
    with pytest.raises(ValidationFailed, match="UTF-8 or Windows-1252"):
        tabular.decode_csv(b"\x81", windows_1252=True)
    with pytest.raises(ValidationFailed, match="not UTF-8 text"):
        tabular.decode_csv("caf\u00e9".encode("cp1252"))


def test_read_table_reads_csv_or_a_named_sheet_through_a_cell_rule() -> None:
    book = tabular.xlsx_bytes([("first", [["x"]]), ("data", [["day"], [date(2024, 1, 2)]])])
    assert tabular.read_table(book, "f.xlsx", sheet="data", text=tabular.day_text) == [
        ["day"],
        ["2024-01-02"],
    ]
    assert tabular.read_table(book, "f.xlsx", sheet="other") == [["x"]]
    assert tabular.read_table(b"a,b\n", "f.csv") == [["a", "b"]]
    with pytest.raises(ValidationFailed, match=r"upload a \.csv or \.xlsx file"):
        tabular.read_table(b"a", "f.pdf")
    assert str(tabular.RowError(3, "value", "not a number")) == "row 3, column value: not a number"


# --- the streaming reader --------------------------------------------------------------------------------


def test_reader_ignores_a_lying_dimension_and_trims_rows() -> None:
    xml = (
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<dimension ref="A1:B1"/><sheetData>'
        + b"".join(f'<row r="{n}"><c r="A{n}"><v>{n}</v></c></row>'.encode() for n in range(1, 6))
        + b"</sheetData></worksheet>"
    )
    rows = tabular.read_xlsx(replace_sheet(workbook([["a"]]), [xml]))
    assert rows == [["1"], ["2"], ["3"], ["4"], ["5"]]  # not cut at row 1, not padded to column B


def test_reader_counts_rows_across_sheets(settings: Any) -> None:
    content = workbook([[1]] * 4)
    settings.AMAHORO_TABLE_MAX_ROWS = 3
    with (
        pytest.raises(tabular.TableLimitExceeded, match="AMAHORO_TABLE_MAX_ROWS"),
        tabular.XLSXBook(content) as book,
    ):
        list(book.rows())


def test_csv_reader_limits_and_broken_csv(settings: Any) -> None:
    settings.AMAHORO_TABLE_MAX_COLUMNS = 3
    with pytest.raises(tabular.TableLimitExceeded, match="AMAHORO_TABLE_MAX_COLUMNS"):
        tabular.read_csv(b"a,b,c,d\n")
    with pytest.raises(ValidationFailed, match="not UTF-8"):
        tabular.read_csv(b"\xff\xfe")
    with pytest.raises(ValidationFailed, match="is not readable CSV"):
        tabular.read_csv(b"a" * (csv.field_size_limit() + 1))
    assert tabular.read_csv("\ufeffa, b\n".encode()) == [["a", "b"]]


def test_cap_errors(settings: Any) -> None:
    settings.AMAHORO_TABLE_MAX_ERRORS = 3
    capped = tabular.cap_errors(list(range(10)))
    assert capped.shown == [0, 1, 2] and capped.total == 10 and capped.more == 7
    assert capped.note == "and 7 more"
    assert tabular.cap_errors([1]).note == ""


def test_bomb_member_is_a_real_zip_bomb() -> None:
    info = zipfile.ZipFile(io.BytesIO(zip_bomb())).getinfo("xl/worksheets/sheet1.xml")
    assert info.file_size >= 300_000_000 and info.compress_size < 1024 * 1024
