"""The one table I/O module: every CSV/XLSX the project reads or writes goes through here, so there is one
cell-escaping rule (`safe_cell`), one XLSX archive guard (zip bombs, huge declared sheets) and one set of
row/column/cell limits, all settings (AMAHORO_XLSX_* and AMAHORO_TABLE_*; see docs/security.md)."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import IO, Any

from django.conf import settings

from amahoro.core.errors import ValidationFailed

MB = 1024 * 1024
_DEFAULTS: dict[str, int] = {
    # Sum of the declared uncompressed sizes of all members of an .xlsx archive.
    "AMAHORO_XLSX_MAX_UNCOMPRESSED": 100 * MB,
    # Any one member (a sheet's XML, the shared strings).
    "AMAHORO_XLSX_MAX_MEMBER": 100 * MB,
    # Uncompressed / compressed size of a member larger than 1 MB (real workbooks: 5 to 30).
    "AMAHORO_XLSX_MAX_RATIO": 100,
    "AMAHORO_XLSX_MAX_MEMBERS": 1000,
    # Rows, columns and cells of a table (CSV or XLSX, all sheets together), declared or real.
    "AMAHORO_TABLE_MAX_ROWS": 200_000,
    "AMAHORO_TABLE_MAX_COLUMNS": 1000,
    "AMAHORO_TABLE_MAX_CELLS": 5_000_000,
    # Row errors listed in a reply; the rest are counted ("and K more").
    "AMAHORO_TABLE_MAX_ERRORS": 100,
}
_RATIO_FLOOR = MB  # smaller members may compress as well as they like


def limit(name: str) -> int:
    """A table limit from settings, else its default."""
    return int(getattr(settings, name, None) or _DEFAULTS[name])


class TableLimitExceeded(ValidationFailed):
    """A file is over one of the table limits (the message names the limit and its setting)."""


def _refuse(message: str, setting: str, field: str) -> TableLimitExceeded:
    return TableLimitExceeded(f"{message} (limit {setting})", field=field)


def _human(n: int) -> str:
    return f"{n / MB:.0f} MB" if n >= MB else f"{n} bytes"


# ---------------------------------------------------------------------------------------------------------
# The one escaping rule


_NEGATIVE_NUMBER = re.compile(r"-\d+(\.\d+)?([eE][+-]?\d+)?")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Characters XML 1.0 (so XLSX) cannot hold; openpyxl raises on them.
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def safe_cell(value: Any) -> Any:
    """A value a spreadsheet will show, never run: text starting with = + - @ TAB or CR gets a leading
    apostrophe (OWASP's CSV-injection rule), except a plain negative number such as -12.5. Numbers, dates
    and booleans stay typed; None becomes ''."""
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in _FORMULA_START and not _NEGATIVE_NUMBER.fullmatch(value):
        return "'" + value
    return value


def safe_row(values: Iterable[Any]) -> list[Any]:
    return [safe_cell(v) for v in values]


# ---------------------------------------------------------------------------------------------------------
# Writers


def csv_cell(value: Any) -> Any:
    """A CSV cell: numbers as they are, everything else as escaped text (a dict, a date or a lazy string
    is text in a CSV too, so it gets the same rule)."""
    if value is None or isinstance(value, (bool, int, float, Decimal)):
        return safe_cell(value)
    return safe_cell(value if isinstance(value, str) else str(value))


class CSVWriter:
    """csv.writer that escapes every cell; `writerow` returns the line written (for streaming)."""

    def __init__(self, out: Any, **kwargs: Any) -> None:
        self._writer = csv.writer(out, **kwargs)
        # csv quotes a field only for the characters of its own line terminator: with "\n" a bare CR would
        # be written unquoted, and a spreadsheet would start a new row (and maybe a formula) there.
        self._cr_to_lf = "\r" not in kwargs.get("lineterminator", "\r\n")

    def writerow(self, row: Iterable[Any]) -> Any:
        cells = [csv_cell(v) for v in row]
        if self._cr_to_lf:
            cells = [c.replace("\r\n", "\n").replace("\r", "\n") if isinstance(c, str) else c for c in cells]
        return self._writer.writerow(cells)

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


class _Echo:
    def write(self, value: str) -> str:
        return value


def with_hxl(rows: Iterable[Iterable[Any]], hxl: Iterable[Any] | None) -> Iterator[Iterable[Any]]:
    """The rows with an HXL hashtag row (https://hxlstandard.org) under the header (the first row) when
    `hxl` is given: the project's exports carry one, and its imports skip a second row starting with '#'."""
    it = iter(rows)
    header = next(it, None)
    if header is None:
        return
    yield header
    if hxl is not None:
        yield list(hxl)
    yield from it


def csv_text(
    rows: Iterable[Iterable[Any]], *, hxl: Iterable[Any] | None = None, lineterminator: str = "\r\n"
) -> str:
    """Rows (header first, then the `hxl` row if given) as CSV text, every cell escaped."""
    out = io.StringIO()
    CSVWriter(out, lineterminator=lineterminator).writerows(with_hxl(rows, hxl))
    return out.getvalue()


def csv_lines(
    rows: Iterable[Iterable[Any]], *, hxl: Iterable[Any] | None = None, lineterminator: str = "\r\n"
) -> Iterator[str]:
    """Rows as CSV lines one by one (for a streaming response), every cell escaped."""
    writer = CSVWriter(_Echo(), lineterminator=lineterminator)
    for row in with_hxl(rows, hxl):
        yield writer.writerow(row)


CSV_TYPE = "text/csv; charset=utf-8"


def xlsx_cell(value: Any) -> Any:
    """A value for an openpyxl cell: escaped, without characters XML cannot hold, never a formula."""
    value = safe_cell(value)
    if isinstance(value, str):
        return _ILLEGAL_XML.sub("", value)
    if isinstance(value, (int, float, Decimal, date, datetime, time, timedelta)):
        return value
    return xlsx_cell(str(value))  # UUID, lazy translations, ...: as escaped text


def xlsx_append(sheet: Any, row: Iterable[Any]) -> None:
    """Append a row to an openpyxl sheet (normal or write-only), every cell through `xlsx_cell`."""
    sheet.append([xlsx_cell(v) for v in row])


@dataclass
class Sheet:
    """A sheet to write: `rows` header first; an optional HXL row under the header; `styled` makes the
    header bold and keeps it in view; `widths` {column number (1-based): width}; `choices` {column number:
    values} offers a drop-down list in that column below the header (`choice_rows` rows of it)."""

    title: str
    rows: Iterable[Iterable[Any]]
    hxl: Iterable[Any] | None = None
    styled: bool = False
    widths: Mapping[int, float] = field(default_factory=dict)
    choices: Mapping[int, Sequence[str]] = field(default_factory=dict)
    choice_rows: int = 10_000


def xlsx_bytes(sheets: Iterable[Sheet | tuple[str, Iterable[Iterable[Any]]]]) -> bytes:
    """A workbook, one sheet per `Sheet` (or (title, rows)); write-only, so memory stays flat."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook(write_only=True)
    for spec in sheets:
        if not isinstance(spec, Sheet):
            spec = Sheet(*spec)
        sheet = workbook.create_sheet(spec.title[:31])
        for column, width in spec.widths.items():
            sheet.column_dimensions[get_column_letter(column)].width = width
        for column, values in spec.choices.items():
            letter = get_column_letter(column)
            dv = DataValidation(type="list", formula1='"' + ",".join(values) + '"', allow_blank=True)
            dv.add(f"{letter}2:{letter}{spec.choice_rows}")
            sheet.data_validations.append(dv)
        if spec.styled:
            sheet.freeze_panes = "A2"
        bold = Font(bold=True)
        for n, row in enumerate(with_hxl(spec.rows, spec.hxl)):
            if n == 0 and spec.styled:
                cells = [WriteOnlyCell(sheet, value=xlsx_cell(v)) for v in row]
                for cell in cells:
                    cell.font = bold
                sheet.append(cells)
            else:
                xlsx_append(sheet, row)
    return workbook_bytes(workbook)


def workbook_bytes(workbook: Any) -> bytes:
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# ---------------------------------------------------------------------------------------------------------
# The XLSX archive guard


_ROW_OR_CELL = re.compile(rb"<(?:[\w.-]+:)?(row|c)[\s/>]")
_CHUNK = MB


def check_xlsx_archive(source: bytes | IO[bytes], *, field: str = "file") -> None:
    """Refuse an .xlsx before openpyxl (or pyxform) opens it: too many members, members or a total that
    unpack too large, a suspicious compression ratio, a sheet holding more rows, columns or cells than the
    table limits. The declared <dimension> is not trusted either way: Excel and LibreOffice often write
    A1:AMJ1048576 for a small sheet (pyxform's own test forms do), so real rows and cells are counted, and
    the readers below ignore the declaration (pyxform stops after 60 empty rows). Reads the archive in 1 MB steps, so a zip bomb costs nothing."""
    data = source if isinstance(source, bytes) else source.read()
    if not isinstance(source, bytes):
        source.seek(0)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        raise ValidationFailed(
            "the file is not a readable .xlsx workbook (not a zip archive)", field=field
        ) from None
    with archive:
        members = archive.infolist()
        if len(members) > limit("AMAHORO_XLSX_MAX_MEMBERS"):
            raise _refuse(
                f"the .xlsx archive has {len(members)} parts, more than {limit('AMAHORO_XLSX_MAX_MEMBERS')}",
                "AMAHORO_XLSX_MAX_MEMBERS",
                field,
            )
        total = 0
        max_member, max_total, max_ratio = (
            limit("AMAHORO_XLSX_MAX_MEMBER"),
            limit("AMAHORO_XLSX_MAX_UNCOMPRESSED"),
            limit("AMAHORO_XLSX_MAX_RATIO"),
        )
        for info in members:
            if info.file_size > max_member:
                raise _refuse(
                    f"the .xlsx part {info.filename[:80]} unpacks to {_human(info.file_size)}, more than "
                    f"{_human(max_member)}",
                    "AMAHORO_XLSX_MAX_MEMBER",
                    field,
                )
            total += info.file_size
            if total > max_total:
                raise _refuse(
                    f"the .xlsx file unpacks to more than {_human(max_total)}",
                    "AMAHORO_XLSX_MAX_UNCOMPRESSED",
                    field,
                )
            if info.file_size > _RATIO_FLOOR and info.file_size > max_ratio * max(info.compress_size, 1):
                raise _refuse(
                    f"the .xlsx part {info.filename[:80]} is compressed {info.file_size // max(info.compress_size, 1)}"
                    f" times, more than {max_ratio} (a zip bomb?)",
                    "AMAHORO_XLSX_MAX_RATIO",
                    field,
                )
        for info in members:
            if info.filename.lower().endswith(".xml") and not info.is_dir():
                _scan_xml(archive, info, field)


def _scan_xml(archive: zipfile.ZipFile, info: zipfile.ZipInfo, field: str) -> None:
    """Count the rows and cells of a sheet's XML as it streams out of the archive (any XML part: a sheet
    may sit anywhere the workbook's relationships say)."""
    max_rows, max_cols, max_cells = (
        limit("AMAHORO_TABLE_MAX_ROWS"),
        limit("AMAHORO_TABLE_MAX_COLUMNS"),
        limit("AMAHORO_TABLE_MAX_CELLS"),
    )
    name = info.filename[:80]
    rows = cells = in_row = 0
    carry = b""
    try:
        with archive.open(info) as stream:
            while True:
                chunk = stream.read(_CHUNK)
                buf = carry + chunk
                if not chunk:
                    body, carry = buf, b""
                else:
                    # Keep a possibly cut tag for the next round: tags start with '<'.
                    cut = buf.rfind(b"<", max(0, len(buf) - 128))
                    body, carry = (buf[:cut], buf[cut:]) if cut > 0 else (buf, b"")
                for match in _ROW_OR_CELL.finditer(body):
                    if match.group(1) == b"row":
                        rows += 1
                        in_row = 0
                        if rows > max_rows:
                            raise _refuse(
                                f"the sheet {name} has more than {max_rows} rows: split the file",
                                "AMAHORO_TABLE_MAX_ROWS",
                                field,
                            )
                    else:
                        cells += 1
                        in_row += 1
                        if in_row > max_cols:
                            raise _refuse(
                                f"row {rows} of {name} has more than {max_cols} cells",
                                "AMAHORO_TABLE_MAX_COLUMNS",
                                field,
                            )
                        if cells > max_cells:
                            raise _refuse(
                                f"the sheet {name} has more than {max_cells} cells: split the file",
                                "AMAHORO_TABLE_MAX_CELLS",
                                field,
                            )
                if not chunk:
                    break
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, NotImplementedError) as exc:
        raise ValidationFailed(
            f"the file is not a readable .xlsx workbook (part {name}: {type(exc).__name__})", field=field
        ) from None


# ---------------------------------------------------------------------------------------------------------
# Readers


def is_xlsx(content: bytes, filename: str) -> bool:
    return filename.lower().endswith((".xlsx", ".xlsm")) or content[:2] == b"PK"


class _Budget:
    """Rows and cells read so far, across the sheets of one file."""

    def __init__(self, field: str, *, max_rows: int | None = None, max_cells: int | None = None) -> None:
        self.field = field
        self.rows = 0
        self.cells = 0
        self.max_rows = max_rows or limit("AMAHORO_TABLE_MAX_ROWS")
        self.max_cols = limit("AMAHORO_TABLE_MAX_COLUMNS")
        self.max_cells = max_cells or limit("AMAHORO_TABLE_MAX_CELLS")

    def take(self, row: Sequence[Any], where: str) -> None:
        self.rows += 1
        if self.rows > self.max_rows:
            raise _refuse(
                f"{where} has more than {self.max_rows} rows: split the file",
                "AMAHORO_TABLE_MAX_ROWS",
                self.field,
            )
        if len(row) > self.max_cols:
            raise _refuse(
                f"row {self.rows} of {where} has more than {self.max_cols} columns",
                "AMAHORO_TABLE_MAX_COLUMNS",
                self.field,
            )
        self.cells += len(row)
        if self.cells > self.max_cells:
            raise _refuse(
                f"{where} has more than {self.max_cells} cells: split the file",
                "AMAHORO_TABLE_MAX_CELLS",
                self.field,
            )


def _trim(row: Sequence[Any]) -> Sequence[Any]:
    end = len(row)
    while end and row[end - 1] is None:
        end -= 1
    return row[:end] if end < len(row) else row


class XLSXBook:
    """A guarded, read-only workbook: `sheet_names`, and `rows(name)` streaming a sheet's raw values (dates
    as datetime, numbers as numbers) within the row/column/cell limits. Use it as a context manager."""

    def __init__(self, content: bytes, *, field: str = "file") -> None:
        check_xlsx_archive(content, field=field)
        from openpyxl import load_workbook

        self.field = field
        self._budget = _Budget(field)
        try:
            self._book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a broken or non-XLSX file
            raise ValidationFailed(
                f"the file is not a readable .xlsx workbook ({type(exc).__name__})", field=field
            ) from None

    def __enter__(self) -> XLSXBook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._book.close()

    @property
    def sheet_names(self) -> list[str]:
        return list(self._book.sheetnames)

    def rows(self, name: str | None = None, *, min_row: int = 1) -> Iterator[tuple[Any, ...]]:
        """The rows of sheet `name` (the first sheet when None), trailing empty cells trimmed."""
        sheet = self._book[name] if name is not None else self._book.worksheets[0]
        # The declared <dimension> was checked by the guard; ignore it here so a lying one neither pads
        # every row to its width nor cuts the sheet short.
        sheet.reset_dimensions()
        where = f"the sheet '{sheet.title[:40]}'"
        try:
            for n, row in enumerate(sheet.iter_rows(values_only=True), start=1):
                row = _trim(row)
                self._budget.take(row, where)
                if n >= min_row:
                    yield tuple(row)
        except ValidationFailed:
            raise
        except Exception as exc:  # a broken sheet XML surfaces while streaming
            raise ValidationFailed(
                f"{where} is not readable ({type(exc).__name__})", field=self.field
            ) from None


def cell_text(value: Any, *, day_format: str | None = None) -> str:
    """A read cell as text: integral floats without '.0', booleans as true/false, None as ''; dates as ISO
    dates (a datetime with a time of day as an ISO datetime) or, with `day_format` (strftime), as that
    without the time (DHIS2 daily period codes: "%Y%m%d")."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        if day_format:
            return value.strftime(day_format)
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.strftime(day_format) if day_format else value.isoformat()
    return str(value).strip()


def day_text(value: Any) -> str:
    """`cell_text` with dates as YYYY-MM-DD, a time of day dropped (for columns that hold days)."""
    return cell_text(value, day_format="%Y-%m-%d")


def read_xlsx(
    content: bytes, *, sheet: str | None = None, field: str = "file", text: Any = cell_text
) -> list[list[Any]]:
    """One sheet (`sheet` if the workbook has it, else the first) as rows of `text(value)`."""
    with XLSXBook(content, field=field) as book:
        name = sheet if sheet in book.sheet_names else None
        return [[text(v) for v in row] for row in book.rows(name)]


def read_xlsx_sheets(
    content: bytes, *, field: str = "file", text: Any = cell_text
) -> list[tuple[str, list[list[Any]]]]:
    """Every sheet as (title, rows of `text(value)`)."""
    with XLSXBook(content, field=field) as book:
        return [(name, [[text(v) for v in row] for row in book.rows(name)]) for name in book.sheet_names]


def decode_csv(content: bytes, *, field: str = "file", windows_1252: bool = False) -> str:
    """UTF-8 text (a BOM allowed); with `windows_1252`, files Excel saved as Windows-1252 too."""
    encodings = ("utf-8-sig", "cp1252") if windows_1252 else ("utf-8-sig",)
    for encoding in encodings:
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    if windows_1252:
        raise ValidationFailed("the file is not text (UTF-8 or Windows-1252 CSV expected)", field=field)
    raise ValidationFailed("the CSV file is not UTF-8 text", field=field)


def iter_csv(
    text: str, *, field: str = "file", max_rows: int | None = None, max_cells: int | None = None
) -> Iterator[list[str]]:
    """CSV rows (cells not stripped) within the row/column/cell limits (`max_rows`/`max_cells` raise them
    for a reader whose files are known to be long, e.g. the UN peacekeeping history: its byte cap bounds it)."""
    budget = _Budget(field, max_rows=max_rows, max_cells=max_cells)
    reader = csv.reader(io.StringIO(text))
    try:
        for record in reader:
            budget.take(record, "the CSV file")
            yield record
    except csv.Error as exc:
        raise ValidationFailed(f"line {reader.line_num} is not readable CSV: {exc}", field=field) from None


def read_csv(content: bytes | str, *, field: str = "file") -> list[list[str]]:
    """A CSV upload (UTF-8, BOM allowed) as rows of stripped text."""
    text = content if isinstance(content, str) else decode_csv(content, field=field)
    return [[c.strip() for c in record] for record in iter_csv(text, field=field)]


def read_table(
    content: bytes,
    filename: str,
    *,
    sheet: str | None = None,
    field: str = "file",
    text: Any = cell_text,
) -> list[list[str]]:
    """A CSV or XLSX upload as rows of text, header first (XLSX: `sheet` if present, else the first;
    cells through `text`). A file that is neither (by name; a nameless one is read as CSV) is refused."""
    if is_xlsx(content, filename):
        return read_xlsx(content, sheet=sheet, field=field, text=text)
    if filename.lower().endswith((".csv", ".txt")) or not filename:
        return read_csv(content, field=field)
    raise ValidationFailed("upload a .csv or .xlsx file", field=field)


# ---------------------------------------------------------------------------------------------------------
# Error replies


@dataclass
class RowError:
    """A problem of one row of an imported table (row 1 is the header), named by its column."""

    row: int
    column: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column}: {self.message}"


@dataclass(frozen=True)
class CappedErrors:
    shown: list[Any]
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.shown)

    @property
    def note(self) -> str:
        return f"and {self.more} more" if self.more else ""


def cap_errors(errors: Sequence[Any], *, limit_to: int | None = None) -> CappedErrors:
    """The first N errors (AMAHORO_TABLE_MAX_ERRORS) and how many there were, so a reply stays small."""
    n = limit("AMAHORO_TABLE_MAX_ERRORS") if limit_to is None else limit_to
    return CappedErrors(list(errors[:n]), len(errors))
