"""CSV and XLSX files from export rows. Blocking (openpyxl, big joins of strings): the
controller runs these in a worker thread.

Formula injection: a cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage
return is run as a formula by Excel, LibreOffice and Sheets, and worker names, device
ids and notes come from users. Such text cells get a leading `'`, which spreadsheets
show as plain text (OWASP's advice). Numbers, dates and times stay typed.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date, time
from typing import Any

from openpyxl import Workbook  # type: ignore[import-untyped]

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value.lstrip(" ").startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def to_csv(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else _csv_text(safe_cell(v)) for v in row])
    # The BOM makes Excel read UTF-8 (Chinese names) instead of the local code page.
    return buf.getvalue().encode("utf-8-sig")


def _csv_text(value: Any) -> Any:
    if isinstance(value, date | time):
        return value.isoformat()
    return value


def to_xlsx(header: Sequence[str], rows: Sequence[Sequence[Any]], title: str) -> bytes:
    # write_only streams rows to the file instead of holding a cell object per value.
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=_sheet_title(title))
    sheet.append(list(header))
    for row in rows:
        sheet.append([safe_cell(v) for v in row])
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def _sheet_title(title: str) -> str:
    # Excel forbids these in sheet names and caps them at 31 characters.
    cleaned = "".join("_" if ch in "[]:*?/\\" else ch for ch in title).strip("'")
    return (cleaned or "Punches")[:31]
