"""CSV export of punch rows (XLSX is api/lib/spreadsheets.write_xlsx). Blocking: the
controller runs it in a worker thread.

Formula injection: text cells that a spreadsheet would run as a formula get a leading
`'` (api/lib/spreadsheets.safe_cell); worker names, device ids and notes come from
users. Numbers stay numbers; dates and times are written as ISO 8601.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date, time
from typing import Any

from api.lib.spreadsheets import safe_cell


def to_csv(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_text(v) for v in row])
    # The BOM makes Excel read UTF-8 (Chinese names) instead of the local code page.
    return buf.getvalue().encode("utf-8-sig")


def _text(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, date | time):
        return value.isoformat()
    return safe_cell(value)
