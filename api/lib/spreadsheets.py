"""Spreadsheets in and out: uploaded XLSX/CSV tables read into rows, ledgers and
exports written as XLSX or CSV. Blocking (openpyxl, csv): async callers run these in a
worker thread.

Reading is bounded before anything is parsed: the upload's size (the caller's cap), the
XLSX archive's unpacked size (a zip bomb expands to gigabytes), the number of rows, of
cells in a row and of XML elements in all. openpyxl spends some 10-40 us of Python on
every cell and shared string it parses, so a 263 KB XLSX of 16,000 columns held a core
for ~50 s, and 46 KB of repeated shared strings ~20 s before the first row. So the
archive's XML is first streamed through expat (C, one call per element, `XlsxShape`)
and refused at the first row wider than `MAX_COLUMNS` or past `MAX_XML_ELEMENTS`, a few
milliseconds for such files; openpyxl then reads only the first `MAX_COLUMNS` columns,
and reading stops at `PARSE_TIMEOUT_S` of wall clock, checked between rows.

CSV files from Chinese Excel are GB18030, from everything else UTF-8 (with or without
Excel's BOM); both are read.

Writing defuses formula injection (OWASP): a text cell that starts with `=`, `+`, `-`,
`@`, a tab or a carriage return would run as a formula in Excel, and item names come
from users, so such cells get a leading `'` and show as text.
"""

from __future__ import annotations

import csv
import io
import math
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from time import monotonic
from typing import Any
from xml.parsers import expat

# No type stubs ship with openpyxl (types-openpyxl is not a dependency).
from openpyxl import Workbook, load_workbook  # type: ignore[import-untyped]
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]

from api.lib.dates import EARLIEST_DAY, LATEST_DAY
from api.lib.errors import Invalid

XLSX_MAGIC = b"PK\x03\x04"
# An XLSX of 10,000 rows unpacks to a few MB; a zip bomb to gigabytes.
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_CELL_CHARS = 2000
# Cells in one row. The widest file users import is the equipment export they edit and
# send back (14 columns); 40 leaves room for a company's own columns beside the
# template's. A row with more cells is refused before openpyxl parses any (CSV too).
MAX_COLUMNS = 40
# XML elements in all of an XLSX's parts. openpyxl parses the shared strings and
# styles whole before the first row, where no clock can stop it, so this bounds that
# work (~10 s at the limit on a busy core). 10,000 rows of the 14-column export, every
# cell text, hold about 600,000.
MAX_XML_ELEMENTS = 1_000_000
# Wall clock for reading one file, checked as it goes. 10,000 rows of the export read
# in about 4 s on a busy shared core, so only a file built to be slow gets near it.
PARSE_TIMEOUT_S = 20.0
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_HEADER_CLEAN = re.compile(r"[\s\-/]+")

Cell = str | int | float | bool | date | datetime | None


class FileInvalid(Invalid):
    code = "file_invalid"
    title = "The file could not be read"


@dataclass(frozen=True)
class Table:
    headers: list[str]
    # (row number as the spreadsheet shows it, values by normalised header)
    rows: list[tuple[int, dict[str, Cell]]]


def normalise_header(text: object) -> str:
    return _HEADER_CLEAN.sub("_", str(text or "").strip().lower()).strip("_")


def read_table(
    data: bytes,
    *,
    max_rows: int,
    max_elements: int | None = MAX_XML_ELEMENTS,
    timeout_s: float | None = PARSE_TIMEOUT_S,
) -> Table:
    """The first sheet of an XLSX file, or a CSV file, as rows keyed by header.

    Row numbers count the header as row 1, like Excel does; empty rows are skipped.
    Raises FileInvalid for anything unreadable, for more than `max_rows` rows or
    `MAX_COLUMNS` cells in a row, for an XLSX of more than `max_elements` XML elements,
    and once reading has taken `timeout_s`. None lifts those two bounds: the command
    line's imports are the operator's own files, bigger than one request may send.
    """
    if data.startswith(XLSX_MAGIC):
        deadline = math.inf if timeout_s is None else monotonic() + timeout_s
        raw_rows = _xlsx_rows(data, max_rows, max_elements, deadline)
    else:
        raw_rows = _csv_rows(data, max_rows)
    try:
        header_no, header = next(raw_rows)
    except StopIteration:
        raise FileInvalid("the file has no header row") from None
    headers = [normalise_header(h) for h in header]
    rows: list[tuple[int, dict[str, Cell]]] = []
    for number, values in raw_rows:
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        if len(rows) >= max_rows:
            raise FileInvalid(f"the file has more than {max_rows} rows; split it")
        rows.append((number, {h: _clean(v) for h, v in zip(headers, values, strict=False) if h}))
    del header_no
    return Table(headers=[h for h in headers if h], rows=rows)


def _clean(value: Cell) -> Cell:
    if isinstance(value, str):
        value = value.strip()
        if len(value) > MAX_CELL_CHARS:
            value = value[:MAX_CELL_CHARS]
        return value or None
    return value


def _xlsx_rows(
    data: bytes, max_rows: int, max_elements: int | None, deadline: float
) -> Iterator[tuple[int, list[Cell]]]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise FileInvalid("not a readable XLSX file") from exc
    if unpacked > MAX_UNPACKED_BYTES:
        raise FileInvalid("the XLSX file unpacks to more than 100 MB")
    XlsxShape(max_elements, deadline).check(archive)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises a zoo of types for broken files
        raise FileInvalid(f"not a readable XLSX file ({type(exc).__name__})") from exc
    return _sheet_rows(book, max_rows, deadline)


class XlsxShape:
    """One streaming pass over an XLSX's XML parts, before openpyxl parses any of them.

    expat parses in C and calls back once per element start; the pass refuses, as soon
    as it shows, a DTD (no XLSX has one; entities could multiply what is parsed), a row
    with more than `MAX_COLUMNS` cells, more than `max_elements` elements in all, or a
    passed deadline. So its own work is bounded too: a row of 16,000 cells costs it
    `MAX_COLUMNS` + 1 of them. Broken XML is left to openpyxl, whose parser (expat too)
    stops at the same place.
    """

    def __init__(self, max_elements: int | None, deadline: float) -> None:
        self.max_elements = math.inf if max_elements is None else max_elements
        self.deadline = deadline
        # What was looked at, in all parts (the tests check that it stays bounded).
        self.elements = 0
        self.cells = 0
        self._part = ""
        self._row = 0
        self._row_label = ""
        self._row_cells = 0

    def check(self, archive: zipfile.ZipFile) -> None:
        # Every member, whatever its name: openpyxl finds its parts through the content
        # types, so shared strings may hide under any name. Anything that is not XML
        # stops expat at its first bytes.
        for info in archive.infolist():
            self._part, self._row, self._row_cells = info.filename, 0, 0
            parser = expat.ParserCreate(namespace_separator=" ")
            parser.StartElementHandler = self._start
            parser.StartDoctypeDeclHandler = self._doctype
            try:
                with archive.open(info) as stream:
                    parser.ParseFile(stream)
            except (expat.ExpatError, zipfile.BadZipFile, OSError, EOFError):
                continue

    def _start(self, name: str, attrs: dict[str, str]) -> None:
        self.elements += 1
        if self.elements > self.max_elements:
            raise FileInvalid(
                f"the XLSX file holds more than {self.max_elements:,} XML elements; split it"
            )
        if self.elements % 4096 == 0 and monotonic() > self.deadline:
            raise _too_slow()
        local = name.rpartition(" ")[2]
        if local == "row":
            self._row += 1
            self._row_label = attrs.get("r") or str(self._row)
            self._row_cells = 0
        elif local == "c" and self._row:
            self.cells += 1
            self._row_cells += 1
            if self._row_cells > MAX_COLUMNS:
                raise FileInvalid(
                    f"row {self._row_label} has more than {MAX_COLUMNS} cells "
                    f"({self._part}); keep to the template's columns"
                )

    def _doctype(self, *_: object) -> None:
        raise FileInvalid(f"{self._part} declares a DTD, which no XLSX file has")


def _too_slow() -> FileInvalid:
    return FileInvalid("the file took too long to read; split it")


def _sheet_rows(book: Any, max_rows: int, deadline: float) -> Iterator[tuple[int, list[Cell]]]:
    try:
        sheet = book.worksheets[0]
        # Only the first MAX_COLUMNS columns, whatever the sheet's <dimension> claims:
        # read-only openpyxl pads every row to that width otherwise.
        rows = sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True)
        # Header plus the allowed rows plus one, to notice a file that is too long;
        # blank rows in between are rare and only make the limit a little stricter.
        for number, row in enumerate(rows, start=1):
            if number > max_rows + 2:
                raise FileInvalid(f"the file has more than {max_rows} rows; split it")
            if monotonic() > deadline:
                raise _too_slow()
            yield number, [_xlsx_value(v) for v in row]
    except FileInvalid:
        raise
    except Exception as exc:
        raise FileInvalid(f"the XLSX sheet could not be read ({type(exc).__name__})") from exc
    finally:
        book.close()


def _xlsx_value(value: Any) -> Cell:
    if value is None or isinstance(value, str | int | float | bool | date | datetime):
        return value
    return str(value)


def _csv_rows(data: bytes, max_rows: int) -> Iterator[tuple[int, list[Cell]]]:
    if b"\x00" in data[:4096]:
        raise FileInvalid("not an XLSX or CSV file")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise FileInvalid("the CSV file is neither UTF-8 nor GB18030 text")
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        for number, row in enumerate(reader, start=1):
            if number > max_rows + 2:
                raise FileInvalid(f"the file has more than {max_rows} rows; split it")
            if len(row) > MAX_COLUMNS:
                raise FileInvalid(
                    f"row {number} has more than {MAX_COLUMNS} cells; "
                    "keep to the template's columns"
                )
            yield number, list(row)
    except csv.Error as exc:
        raise FileInvalid(f"the CSV file is malformed: {exc}") from exc


def safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value.lstrip(" ").startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def write_csv(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """UTF-8 CSV that Excel opens correctly; text a spreadsheet would run as a formula is
    defused like in XLSX, dates and times are written as ISO 8601, None as empty."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow([_csv_text(v) for v in row])
    # The BOM makes Excel read UTF-8 (Chinese names) instead of the local code page.
    return buf.getvalue().encode("utf-8-sig")


def _csv_text(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, date | time):
        return value.isoformat()
    return safe_cell(value)


def write_xlsx(title: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """One sheet with a frozen, filterable header row."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=_sheet_title(title))
    sheet.freeze_panes = "A2"
    widths = [max(10, min(40, len(h) + 2)) for h in headers]
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}1"
    sheet.append(list(headers))
    for row in rows:
        sheet.append([safe_cell(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet_title(title: str) -> str:
    # Excel forbids these in sheet names and caps them at 31 characters.
    cleaned = "".join("_" if ch in "[]:*?/\\" else ch for ch in title).strip("'")
    return (cleaned or "Sheet")[:31]


# ------------------------------------------------------------------ row validation

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_TRUE = frozenset({"1", "true", "yes", "y", "x", "是", "有"})
_FALSE = frozenset({"0", "false", "no", "n", "否", "无"})


@dataclass(frozen=True)
class RowError:
    row: int
    field: str
    message: str


class RowReader:
    """Typed values from one imported row; every problem becomes a RowError (which row,
    which field, why) instead of an exception, so one pass reports them all."""

    def __init__(self, number: int, values: dict[str, Cell]) -> None:
        self.row = number
        self.values = values
        self.errors: list[RowError] = []

    def error(self, field: str, message: str) -> None:
        self.errors.append(RowError(self.row, field, message))

    def text(self, field: str, *, required: bool = False, max_len: int = 200) -> str | None:
        value = self.values.get(field)
        if value is None:
            if required:
                self.error(field, "is required")
            return None
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # a serial number typed into a number cell
        text = value.isoformat() if isinstance(value, date) else str(value).strip()
        if _CONTROL.search(text):
            self.error(field, "contains control characters")
            return None
        if len(text) > max_len:
            self.error(field, f"is longer than {max_len} characters")
            return None
        return text

    def day(self, field: str, *, required: bool = False) -> date | None:
        value = self.values.get(field)
        if value is None:
            if required:
                self.error(field, "is required")
            return None
        if isinstance(value, datetime):
            found = value.date()
        elif isinstance(value, date):
            found = value
        else:
            try:
                found = date.fromisoformat(str(value).strip().replace("/", "-"))
            except ValueError:
                self.error(field, f"{value!r} is not a date (use YYYY-MM-DD)")
                return None
        # The same range as every date the API takes (api/lib/dates.py).
        if not EARLIEST_DAY <= found <= LATEST_DAY:
            self.error(field, f"is outside {EARLIEST_DAY.isoformat()} to {LATEST_DAY.isoformat()}")
            return None
        return found

    def number(self, field: str, *, required: bool = False) -> float | None:
        value = self.values.get(field)
        if value is None:
            if required:
                self.error(field, "is required")
            return None
        if isinstance(value, bool | date):
            self.error(field, f"{value!r} is not a number")
            return None
        try:
            number = float(str(value).replace(",", "").strip())
        except ValueError:
            self.error(field, f"{value!r} is not a number")
            return None
        if not (0 < number < 1e11):
            self.error(field, "must be a positive number")
            return None
        return number

    def flag(self, field: str, *, default: bool = False) -> bool:
        value = self.values.get(field)
        if value is None:
            return default
        text = str(value).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        self.error(field, f"{value!r} is not yes or no")
        return default
