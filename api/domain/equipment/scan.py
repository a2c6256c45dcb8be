"""What a scan of an equipment label shows: the public face of this domain for
api/domain/scan (which also asks the materials domain)."""

from __future__ import annotations

import msgspec
from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

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
from api.lib.statements import PerActorStatements

# A scan lists this many open defects; the item's history has the rest.
SCAN_DEFECTS = 10

_by_code = PerActorStatements(
    lambda actor: ledger_query(actor).where(Equipment.code == bindparam("code"))
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
    session: AsyncSession, actor: Actor, code: str, base: str
) -> EquipmentScan | None:
    row = (await session.execute(_by_code.get(actor), {"code": code})).first()
    if row is None:
        return None
    item = equipment_out(row._mapping, base)
    defects: list[OpenDefect] = []
    if item.open_defects:
        found = await session.execute(
            select(EquipmentEvent.id, EquipmentEvent.note, EquipmentEvent.occurred_at)
            .where(open_defect_filter(item.id))
            .order_by(EquipmentEvent.occurred_at.desc())
            .limit(SCAN_DEFECTS)
        )
        defects = [OpenDefect(id=i, note=n, reported_at=at) for i, n, at in found]
    return EquipmentScan(
        code=item.code,
        item=item,
        flags=flags(item),
        actions=allowed_actions(actor.role, item),
        defects=defects,
    )
