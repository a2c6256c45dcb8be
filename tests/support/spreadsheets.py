"""Spreadsheets built from code for the import tests, hostile ones included.

openpyxl takes seconds to write a sheet of hundreds of thousands of cells, so the wide
ones are a minimal workbook from openpyxl with its sheet XML written here.
"""

from __future__ import annotations

import io
import zipfile

from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]

SHEET = "xl/worksheets/sheet1.xml"
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def with_parts(parts: dict[str, bytes]) -> bytes:
    """A valid one-sheet XLSX from openpyxl with `parts` replacing or added to its own."""
    book = Workbook()
    book.active.append(["name", "category"])
    plain = io.BytesIO()
    book.save(plain)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(plain.getvalue())) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            if info.filename not in parts:
                target.writestr(info, source.read(info.filename))
        for name, data in parts.items():
            target.writestr(name, data)
    return out.getvalue()


def sheet_xml(rows: list[bytes], dimension: str | None = None) -> bytes:
    dim = f'<dimension ref="{dimension}"/>'.encode() if dimension else b""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{_MAIN}">'.encode()
        + dim
        + b"<sheetData>"
        + b"".join(rows)
        + b"</sheetData></worksheet>"
    )


def text_row(number: int, values: list[str]) -> bytes:
    cells = "".join(
        f'<c r="{get_column_letter(i)}{number}" t="inlineStr"><is><t>{v}</t></is></c>'
        for i, v in enumerate(values, start=1)
    )
    return f'<row r="{number}">{cells}</row>'.encode()


def wide_xlsx(columns: int, rows: int) -> bytes:
    """`name` and `category` headers, then `columns` - 2 more; `rows` rows of numbers
    as wide as the header, their cells without references (as some writers save them,
    and small: 16,000 columns by 40 rows pack into some 40 KB)."""
    header = text_row(1, ["name", "category", *(f"c{i}" for i in range(3, columns + 1))])
    cells = b"<c><v>7</v></c>" * columns
    body = [f'<row r="{r}">'.encode() + cells + b"</row>" for r in range(2, rows + 2)]
    return with_parts({SHEET: sheet_xml([header, *body])})
