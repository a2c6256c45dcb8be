"""What a scan of an equipment label shows: the public face of this domain for
api/domain/scan (which also asks the materials domain)."""

from __future__ import annotations

import msgspec
from sqlalchemy import Uuid, bindparam, select
from sqlalchemy.ext.asyncio import AsyncEngine

from api.db.models import Equipment, EquipmentEvent
from api.domain.equipment.ledger import (
    allowed_actions,
    equipment_out,
    flags,
    ledger_query,
    open_defect_filter,
)
from api.domain.equipment.schemas import EquipmentOut, OpenDefect
from api.lib.context import Actor
from api.lib.reads import PreparedRead
from api.lib.statements import PerActorStatements

# A scan lists this many open defects; the item's history has the rest.
SCAN_DEFECTS = 10

_by_code = PerActorStatements(
    lambda actor: PreparedRead(ledger_query(actor).where(Equipment.code == bindparam("code")))
)
_open_defects = PreparedRead(
    select(EquipmentEvent.id, EquipmentEvent.note, EquipmentEvent.occurred_at)
    .where(open_defect_filter(bindparam("equipment_id", type_=Uuid)))
    .order_by(EquipmentEvent.occurred_at.desc())
    .limit(SCAN_DEFECTS)
)


class EquipmentScan(msgspec.Struct, tag_field="kind", tag="equipment"):
    code: str
    item: EquipmentOut
    # Warnings to show first: open_defects, certificate_expired/expiring,
    # maintenance_overdue/due, retired.
    flags: list[str]
    # What this person may do next: check_out, check_in, defect, inspection,
    # maintenance, close_defect, edit.
    actions: list[str]
    defects: list[OpenDefect]


async def scan_equipment(
    engine: AsyncEngine, actor: Actor, code: str, base: str
) -> EquipmentScan | None:
    row = await _by_code.get(actor).first(engine, code=code)
    if row is None:
        return None
    item = equipment_out(row, base)
    defects: list[OpenDefect] = []
    if item.open_defects:
        defects = [
            OpenDefect(id=d["id"], note=d["note"], reported_at=d["occurred_at"])
            for d in await _open_defects.all(engine, equipment_id=item.id)
        ]
    return EquipmentScan(
        code=item.code,
        item=item,
        flags=flags(item),
        actions=allowed_actions(actor.role, item),
        defects=defects,
    )
