"""Registering and editing items of the equipment ledger."""

from __future__ import annotations

import uuid

import msgspec
from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from api.db.models import (
    Equipment,
    Site,
)
from api.domain.equipment.ledger import (
    equipment_out,
    item_out,
    ledger_query,
    locked_item,
)
from api.domain.equipment.schemas import (
    EquipmentIn,
    EquipmentOut,
    EquipmentPatch,
)
from api.domain.labels.qr import fresh_codes
from api.lib import audit
from api.lib.authz import get_visible_site, visible_sites
from api.lib.context import Actor
from api.lib.errors import Conflict
from api.lib.pagination import PageParams


async def _check_serial_free(
    session: AsyncSession, actor: Actor, serial_no: str | None, item_id: uuid.UUID | None = None
) -> None:
    if serial_no is None:
        return
    clash = await session.scalar(
        select(Equipment.id).where(
            Equipment.company_id == actor.company_id,
            Equipment.serial_no == serial_no,
            Equipment.id != item_id if item_id else Equipment.id.isnot(None),
        )
    )
    if clash is not None:
        raise Conflict(f"serial number {serial_no!r} is already registered", code="serial_taken")


async def _flush_or_conflict(session: AsyncSession) -> None:
    """A concurrent registration of the same serial loses here rather than as a 500."""
    try:
        await session.flush()
    except IntegrityError as exc:
        if "uq_equipment_company_id" in str(exc.orig):
            raise Conflict("this serial number is already registered", code="serial_taken") from exc
        raise


async def create_equipment(
    session: AsyncSession, actor: Actor, data: EquipmentIn, base: str
) -> EquipmentOut:
    await get_visible_site(session, actor, data.site_id)
    await _check_serial_free(session, actor, data.serial_no)
    (code,) = await fresh_codes(session)
    item = Equipment(
        id=data.id or uuid.uuid4(),
        company_id=actor.company_id,
        site_id=data.site_id,
        code=code,
        name=data.name,
        category=data.category,
        model=data.model,
        serial_no=data.serial_no,
        owner=data.owner,
        rented=data.rented,
        certificate_no=data.certificate_no,
        certificate_expires_on=data.certificate_expires_on,
    )
    await audit.add_and_record(
        session, actor, item, entity="equipment", flush=lambda: _flush_or_conflict(session)
    )
    out = await item_out(session, actor, item.id, base)
    return out


async def list_equipment(
    session: AsyncSession,
    actor: Actor,
    page: PageParams,
    base: str,
    *,
    site_id: uuid.UUID | None,
    q: str | None,
    holder_id: uuid.UUID | None,
) -> tuple[list[EquipmentOut], int]:
    where: list[ColumnElement[bool]] = [
        Equipment.company_id == actor.company_id,
        visible_sites(actor),
    ]
    if site_id is not None:
        where.append(Equipment.site_id == site_id)
    if holder_id is not None:
        where.append(Equipment.holder_id == holder_id)
    if q:
        pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        where.append(
            or_(
                Equipment.name.ilike(pattern),
                Equipment.category.ilike(pattern),
                Equipment.serial_no.ilike(pattern),
                Equipment.code == q.upper().replace("-", ""),
            )
        )
    total = await session.scalar(
        select(func.count())
        .select_from(Equipment)
        .join(Site, Site.id == Equipment.site_id)
        .where(*where)
    )
    rows = await session.execute(
        ledger_query(actor)
        .where(*where[2:])
        .order_by(Equipment.created_at.desc(), Equipment.id)
        .limit(page.limit)
        .offset(page.offset)
    )
    return [equipment_out(r._mapping, base) for r in rows], int(total or 0)


async def get_equipment(
    session: AsyncSession, actor: Actor, item_id: uuid.UUID, base: str
) -> EquipmentOut:
    return await item_out(session, actor, item_id, base)


async def patch_equipment(
    session: AsyncSession, actor: Actor, item_id: uuid.UUID, data: EquipmentPatch, base: str
) -> EquipmentOut:
    item = await locked_item(session, actor, item_id)
    before = audit.snapshot(item)
    changes = {
        f: getattr(data, f) for f in data.__struct_fields__ if getattr(data, f) is not msgspec.UNSET
    }
    if "site_id" in changes:
        await get_visible_site(session, actor, changes["site_id"])
    if changes.get("serial_no") is not None:
        await _check_serial_free(session, actor, changes["serial_no"], item.id)
    if changes.get("is_active") is False and item.holder_id is not None:
        raise Conflict("check the item in before retiring it", code="equipment_checked_out")
    for field, value in changes.items():
        setattr(item, field, value)
    await _flush_or_conflict(session)
    await audit.record(
        session,
        actor,
        action="update",
        entity="equipment",
        entity_id=item.id,
        before=before,
        after=audit.snapshot(item),
    )
    return await item_out(session, actor, item.id, base)
