"""Hostile and ordinary .xlsx files built in memory for the table I/O tests (shared by the apps' tests)."""

from __future__ import annotations

import functools
import io
import zipfile
from collections.abc import Iterable
from typing import Any
from xml.sax.saxutils import escape

from openpyxl import Workbook

SHEET = "xl/worksheets/sheet1.xml"
_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
_TAIL = b"</sheetData></worksheet>"


def workbook(rows: Iterable[Iterable[Any]], *, title: str = "Sheet1") -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = title
    for row in rows:
        ws.append(list(row))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _column(n: int) -> str:
    letters = ""
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def text_rows(rows: list[list[str]], *, title: str = "data") -> bytes:
    """A workbook of text cells written as sheet XML directly, with the <dimension> Excel writes: the same
    file openpyxl would make (inline strings), built in a fraction of the time for 100,000 rows."""
    width = max((len(r) for r in rows), default=1)
    ref = f"A1:{_column(width)}{max(len(rows), 1)}"

    def parts() -> Iterable[bytes]:
        yield _HEAD.replace(b"<sheetData>", f'<dimension ref="{ref}"/><sheetData>'.encode())
        for n, row in enumerate(rows, start=1):
            cells = "".join(
                f'<c r="{_column(i)}{n}" t="inlineStr"><is><t>{escape(str(v))}</t></is></c>'
                for i, v in enumerate(row, start=1)
            )
            yield f'<row r="{n}">{cells}</row>'.encode()
        yield _TAIL

    return replace_sheet(workbook([["x"]], title=title), parts())


def replace_sheet(base: bytes, sheet_xml_parts: Iterable[bytes], *, member: str = SHEET) -> bytes:
    """`base` with `member` replaced by the concatenated parts, streamed into the archive (deflate level 9),
    so a sheet of hundreds of MB never sits in memory."""
    src = zipfile.ZipFile(io.BytesIO(base))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as dst:
        for info in src.infolist():
            if info.filename == member:
                target = zipfile.ZipInfo(member)
                target.compress_type = zipfile.ZIP_DEFLATED
                with dst.open(target, "w", force_zip64=True) as stream:
                    for part in sheet_xml_parts:
                        stream.write(part)
            else:
                dst.writestr(info, src.read(info.filename))
    return out.getvalue()


@functools.cache
def zip_bomb(*, megabytes: int = 300, title: str = "data") -> bytes:
    """A valid-looking workbook whose first sheet unpacks to `megabytes` MB of identical rows (< 1 MB)."""
    row = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>'
    block = row * (1024 * 1024 // len(row))

    def parts() -> Iterable[bytes]:
        yield _HEAD
        for _ in range(megabytes):
            yield block
        yield _TAIL

    return replace_sheet(workbook([["x"]], title=title), parts())


def sheet_declaring(ref: str, *, title: str = "data") -> bytes:
    """A tiny workbook whose sheet declares `<dimension ref=...>` (e.g. A1:XFD1048576)."""
    xml = _HEAD.replace(b"<sheetData>", f'<dimension ref="{ref}"/><sheetData>'.encode()) + (
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row>' + _TAIL
    )
    return replace_sheet(workbook([["x"]], title=title), [xml])


def wide_row(cells: int, *, title: str = "data") -> bytes:
    """One row of `cells` cells all at A1 (no dimension), which openpyxl would gather in memory at once."""
    cell = b'<c r="A1"><v>1</v></c>'
    return replace_sheet(
        workbook([["x"]], title=title), [_HEAD, b"<row r='1'>", cell * cells, b"</row>", _TAIL]
    )
