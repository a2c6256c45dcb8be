"""Equipment rows of an imported spreadsheet, and the ledger exported as one.

Columns (header names are case-insensitive; Chinese headers from common ledgers work
too): name*, category*, model, serial_no, owner, rented (yes/no), certificate_no,
certificate_expires_on (YYYY-MM-DD or a date cell), site (id or exact name; optional
when the request names a site). * = required.
"""

from __future__ import annotations

import uuid
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from api.db.models import Equipment
from api.domain.equipment.ledger import equipment_out, ledger_query
from api.domain.labels.imports import Importer, header_map
from api.lib.context import Actor
from api.lib.spreadsheets import RowReader

COLUMNS = header_map(
    {
        "name": ("名称", "设备名称", "item"),
        "category": ("类别", "设备类别", "type"),
        "model": ("型号", "规格型号"),
        "serial_no": ("serial", "serial_number", "出厂编号", "设备编号"),
        "owner": ("产权单位", "租赁单位", "owner_company"),
        "rented": ("租赁", "是否租赁"),
        "certificate_no": ("检验证书编号", "certificate"),
        "certificate_expires_on": ("certificate_expiry", "检验有效期", "证书有效期"),
        "site": ("site_id", "site_name", "项目", "工地"),
    }
)


def _read_row(row: RowReader) -> dict[str, Any]:
    return {
        "name": row.text("name", required=True),
        "category": row.text("category", required=True, max_len=100),
        "model": row.text("model"),
        "serial_no": row.text("serial_no", max_len=100),
        "owner": row.text("owner"),
        "rented": row.flag("rented"),
        "certificate_no": row.text("certificate_no", max_len=100),
        "certificate_expires_on": row.day("certificate_expires_on"),
    }


EQUIPMENT_IMPORT = Importer(
    model=Equipment,
    entity="equipment",
    columns=COLUMNS,
    required=frozenset({"name", "category"}),
    read_row=_read_row,
    unique_fields=("serial_no",),
    unique_scope="company_id",
    unique_message="this serial number is",
)

EXPORT_HEADERS = (
    "code",
    "name",
    "category",
    "model",
    "serial_no",
    "owner",
    "rented",
    "site",
    "status",
    "holder",
    "checked_out_at (site time)",
    "certificate_no",
    "certificate_expires_on",
    "certificate_state",
    "next_maintenance",
    "next_maintenance_due_on",
    "open_defects",
    "scan_url",
)
MAX_EXPORT_ROWS = 100_000


async def export_rows(
    session: AsyncSession, actor: Actor, base: str, site_id: uuid.UUID | None
) -> list[list[Any]]:
    """The ledger as spreadsheet rows (the same columns an import reads, and more)."""
    query = ledger_query(actor).order_by(Equipment.created_at, Equipment.id)
    if site_id is not None:
        query = query.where(Equipment.site_id == site_id)
    rows = []
    for row in await session.execute(query.limit(MAX_EXPORT_ROWS)):
        item = equipment_out(row._mapping, base)
        zone = ZoneInfo(row._mapping["site_timezone"])
        # Excel has no time zones: the site's wall clock is what its people read.
        out_at = (
            item.checked_out_at.astimezone(zone).replace(tzinfo=None)
            if item.checked_out_at
            else None
        )
        plan = item.next_maintenance
        rows.append(
            [
                item.code,
                item.name,
                item.category,
                item.model,
                item.serial_no,
                item.owner,
                "yes" if item.rented else "no",
                item.site_name,
                item.status,
                item.holder.name if item.holder else None,
                out_at,
                item.certificate.number,
                item.certificate.expires_on,
                item.certificate.state,
                plan.title if plan else None,
                plan.due_on if plan else None,
                item.open_defects,
                item.scan_url,
            ]
        )
    return rows
