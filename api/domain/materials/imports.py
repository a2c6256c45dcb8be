"""Material batch rows of an imported spreadsheet.

Columns (case-insensitive; common Chinese headers work too): material*, batch_no*,
supplier*, quantity*, unit*, spec, certificate_expires_on, site (id or exact name;
optional when the request names a site). * = required. A batch already registered on
its site (same material, supplier and batch number) is reported, not registered twice.
"""

from __future__ import annotations

from typing import Any

from api.db.models import MaterialBatch
from api.domain.labels.imports import Importer, header_map
from api.lib.spreadsheets import RowReader

COLUMNS = header_map(
    {
        "material": ("材料", "材料名称", "name"),
        "spec": ("规格", "规格型号", "specification", "grade"),
        "batch_no": ("batch", "lot", "lot_no", "批号", "炉批号"),
        "supplier": ("供应商", "生产厂家", "manufacturer"),
        "quantity": ("qty", "数量"),
        "unit": ("单位",),
        "certificate_expires_on": ("certificate_expiry", "证书有效期"),
        "site": ("site_id", "site_name", "项目", "工地"),
    }
)


def _read_row(row: RowReader) -> dict[str, Any]:
    return {
        "material": row.text("material", required=True),
        "spec": row.text("spec"),
        "batch_no": row.text("batch_no", required=True, max_len=100),
        "supplier": row.text("supplier", required=True),
        "quantity": row.number("quantity", required=True),
        "unit": row.text("unit", required=True, max_len=20),
        "certificate_expires_on": row.day("certificate_expires_on"),
    }


BATCH_IMPORT = Importer(
    model=MaterialBatch,
    entity="material_batch",
    columns=COLUMNS,
    required=frozenset({"material", "batch_no", "supplier", "quantity", "unit"}),
    read_row=_read_row,
    unique_fields=("material", "supplier", "batch_no"),
    unique_scope="site_id",
    unique_message="this batch is",
)
