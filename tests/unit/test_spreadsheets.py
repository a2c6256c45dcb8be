"""Reading uploaded spreadsheets stays bounded work, however the file is shaped.

openpyxl spends tens of microseconds of Python on every cell; these files are built so
that parsing them whole would hold a core for seconds to minutes. Each must be refused
after looking at a bounded number of cells, before openpyxl parses any of its rows.
"""

from __future__ import annotations

import io
import math
import time
import zipfile
from collections.abc import Iterator

import pytest
from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl.worksheet._reader import WorkSheetParser  # type: ignore[import-untyped]

import api.lib.spreadsheets as spreadsheets
from api.lib.spreadsheets import MAX_COLUMNS, FileInvalid, XlsxShape, read_table
from tests.support.spreadsheets import SHEET, sheet_xml, text_row, wide_xlsx, with_parts


@pytest.fixture
def counted() -> Iterator[dict[str, int]]:
    """How many cells openpyxl parsed, and how many the shape check looked at."""
    seen = {"openpyxl": 0, "shape": 0}
    parse_cell = WorkSheetParser.parse_cell
    check = XlsxShape.check

    def counting_parse_cell(parser: WorkSheetParser, element: object) -> object:
        seen["openpyxl"] += 1
        return parse_cell(parser, element)

    def counting_check(shape: XlsxShape, archive: zipfile.ZipFile) -> None:
        try:
            check(shape, archive)
        finally:
            seen["shape"] += shape.cells

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(WorkSheetParser, "parse_cell", counting_parse_cell)
        patch.setattr(XlsxShape, "check", counting_check)
        yield seen


def test_a_sheet_of_16000_columns_is_refused_after_a_row_of_cells(
    counted: dict[str, int],
) -> None:
    data = wide_xlsx(16_000, rows=40)  # 640,000 cells in 105 KB
    started = time.perf_counter()
    with pytest.raises(FileInvalid, match=f"row 1 has more than {MAX_COLUMNS} cells") as caught:
        read_table(data, max_rows=10_000)
    assert caught.value.code == "file_invalid"
    assert counted == {"openpyxl": 0, "shape": MAX_COLUMNS + 1}
    assert time.perf_counter() - started < 5.0  # generous: it takes milliseconds


def test_a_wide_row_further_down_is_refused_too(counted: dict[str, int]) -> None:
    rows = [text_row(n, ["name", "category"] if n == 1 else ["a", "b"]) for n in range(1, 500)]
    rows.append(text_row(500, ["x"] * 5000))
    with pytest.raises(FileInvalid, match="row 500 has more than"):
        read_table(with_parts({SHEET: sheet_xml(rows)}), max_rows=10_000)
    assert counted == {"openpyxl": 0, "shape": 499 * 2 + MAX_COLUMNS + 1}


def test_a_wide_csv_is_refused() -> None:
    data = b"name,category\n" + b",".join([b"x"] * 16_000) + b"\n"
    with pytest.raises(FileInvalid, match=f"row 2 has more than {MAX_COLUMNS} cells"):
        read_table(data, max_rows=10_000)


def test_a_dimension_claiming_16384_columns_does_not_widen_the_rows(
    counted: dict[str, int],
) -> None:
    """Read-only openpyxl pads every row to the <dimension>'s width unless told not to;
    a far-away cell is ignored, not read."""
    rows = [text_row(1, ["name", "category"]), text_row(2, ["crane", "lifting"])]
    rows.append(
        b'<row r="3"><c r="A3" t="inlineStr"><is><t>hoist</t></is></c>'
        b'<c r="XFD3"><v>1</v></c></row>'
    )
    data = with_parts({SHEET: sheet_xml(rows, "A1:XFD10000")})
    table = read_table(data, max_rows=100)
    assert table.headers == ["name", "category"]
    assert table.rows == [
        (2, {"name": "crane", "category": "lifting"}),
        (3, {"name": "hoist", "category": None}),
    ]
    assert counted["openpyxl"] == 6
    widths = {len(values) for _, values in spreadsheets._xlsx_rows(data, 100, None, math.inf)}
    assert widths == {MAX_COLUMNS}  # not 16,384 per row


def test_a_flood_of_shared_strings_is_refused_before_openpyxl_reads_them(
    counted: dict[str, int],
) -> None:
    """600,000 one-letter strings in a few KB: openpyxl spent ~20 s on a million of them,
    before the first row, where no clock can stop it."""
    strings = (
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        + b"<si><t>a</t></si>" * 600_000
        + b"</sst>"
    )
    data = with_parts({"xl/sharedStrings.xml": strings})
    with pytest.raises(FileInvalid, match="more than 1,000,000 XML elements"):
        read_table(data, max_rows=10_000)
    assert counted["openpyxl"] == 0


def test_a_dtd_is_refused() -> None:
    rows = [text_row(1, ["name", "category"])]
    doc = sheet_xml(rows).replace(b"<worksheet", b'<!DOCTYPE w [<!ENTITY e "x">]><worksheet', 1)
    with pytest.raises(FileInvalid, match="declares a DTD"):
        read_table(with_parts({SHEET: doc}), max_rows=10)


def test_the_time_and_element_bounds_stop_reading_unless_lifted() -> None:
    """The command line lifts both (None) for the operator's own, bigger files."""
    book = Workbook()
    book.active.append(["name", "category"])
    for n in range(50):
        book.active.append([f"item {n}", "tool"])
    out = io.BytesIO()
    book.save(out)
    data = out.getvalue()
    with pytest.raises(FileInvalid, match="took too long to read"):
        read_table(data, max_rows=100, timeout_s=0.0)
    with pytest.raises(FileInvalid, match="more than 100 XML elements"):
        read_table(data, max_rows=100, max_elements=100)
    assert len(read_table(data, max_rows=100, max_elements=None, timeout_s=None).rows) == 50


def test_a_template_shaped_file_reads_as_before() -> None:
    book = Workbook()
    book.active.append(["name", "category", *(f"extra {i}" for i in range(MAX_COLUMNS - 2))])
    book.active.append(["crane", "lifting", *range(MAX_COLUMNS - 2)])
    out = io.BytesIO()
    book.save(out)
    table = read_table(out.getvalue(), max_rows=10)
    assert len(table.headers) == MAX_COLUMNS
    assert table.rows[0][1]["extra_37"] == 37
