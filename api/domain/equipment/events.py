"""Equipment events: inspections, maintenance, custody (check-out and check-in) and defects.

Custody rules (enforced with the item's row locked, so two phones cannot both take the
last harness): a check-out needs a holder and an item that is not out, has no open
defect and no expired inspection certificate; a check-in needs an item that is out.
Inspections and maintenance are for the roles that organise them (see ledger.py).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ColumnElement, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.db.models import (
    Equipment,
    EquipmentEvent,
    EquipmentEventKind,
    equipment_event_photos,
)
from api.db.models.base import utcnow
from api.domain.equipment.ledger import (
    DEFECT_CLOSERS,
    INSPECTORS,
    MAINTAINERS,
    get_equipment_id,
    locked_item,
    open_defect_filter,
    site_timezone,
)
from api.domain.equipment.plans import reset_plans
from api.domain.equipment.schemas import (
    DefectClose,
    EventIn,
    EventOut,
)
from api.domain.photos.services import photos_for_attachment
from api.lib import audit
from api.lib.authz import get_visible_user
from api.lib.context import Actor
from api.lib.dates import certificate_state, client_time, site_today
from api.lib.errors import Conflict, Forbidden, Invalid, NotFound
from api.lib.pagination import PageParams


def _event_out(event: EquipmentEvent, photo_ids: list[uuid.UUID]) -> EventOut:
    is_defect = event.kind is EquipmentEventKind.DEFECT
    return EventOut(
        id=event.id,
        equipment_id=event.equipment_id,
        site_id=event.site_id,
        kind=event.kind,
        note=event.note,
        holder_id=event.holder_id,
        plan_id=event.plan_id,
        actor_id=event.actor_id,
        occurred_at=event.occurred_at,
        created_at=event.created_at,
        open=(event.closed_at is None) if is_defect else None,
        closed_at=event.closed_at,
        close_note=event.close_note,
        photo_ids=photo_ids,
    )


_KIND_ROLES = {
    EquipmentEventKind.INSPECTION: INSPECTORS,
    EquipmentEventKind.MAINTENANCE: MAINTAINERS,
}


async def _apply_custody(
    session: AsyncSession, actor: Actor, item: Equipment, data: EventIn, at: datetime
) -> uuid.UUID | None:
    """Move the item in or out; the event's holder (taker, or who returned it)."""
    if data.kind is EquipmentEventKind.CHECK_OUT:
        if data.holder_id is None:
            raise Invalid("a check-out needs holder_id", code="holder_required")
        if item.holder_id is not None:
            raise Conflict("the item is already checked out", code="already_checked_out")
        open_defect = await session.scalar(
            select(EquipmentEvent.id).where(open_defect_filter(item.id)).limit(1)
        )
        if open_defect is not None:
            raise Conflict("the item has an open defect", code="equipment_defective")
        today = site_today(await site_timezone(session, item.site_id))
        present = item.certificate_no is not None or item.certificate_expires_on is not None
        if certificate_state(item.certificate_expires_on, today, present=present) == "expired":
            raise Conflict("the inspection certificate has expired", code="certificate_expired")
        holder = await get_visible_user(session, actor, data.holder_id)
        if not holder.is_active:
            raise Invalid("the holder's account is disabled", code="holder_inactive")
        item.holder_id, item.checked_out_at = holder.id, at
        return holder.id
    if item.holder_id is None:
        raise Conflict("the item is not checked out", code="not_checked_out")
    previous = item.holder_id
    item.holder_id, item.checked_out_at = None, None
    return previous


async def create_event(
    session: AsyncSession, actor: Actor, item_id: uuid.UUID, data: EventIn
) -> EventOut:
    item = await locked_item(session, actor, item_id)
    allowed = _KIND_ROLES.get(data.kind)
    if allowed is not None and actor.role not in allowed:
        raise Forbidden(
            f"a {actor.role.value} cannot record {data.kind.value} events",
            code="event_kind_forbidden",
        )
    if not item.is_active:
        raise Conflict("the item is retired", code="equipment_retired")
    if data.holder_id is not None and data.kind is not EquipmentEventKind.CHECK_OUT:
        raise Invalid("holder_id belongs to check-outs only", code="holder_not_expected")
    if data.plan_id is not None and data.kind is not EquipmentEventKind.MAINTENANCE:
        raise Invalid("plan_id belongs to maintenance only", code="plan_not_expected")
    if data.kind is EquipmentEventKind.DEFECT and not data.note and not data.photo_ids:
        raise Invalid("describe the defect in a note or a photo", code="defect_undescribed")
    at = client_time(data.occurred_at, "occurred_at")
    before = audit.snapshot(item)
    holder_id = None
    if data.kind in (EquipmentEventKind.CHECK_OUT, EquipmentEventKind.CHECK_IN):
        holder_id = await _apply_custody(session, actor, item, data, at)
    elif data.kind is EquipmentEventKind.MAINTENANCE:
        await reset_plans(session, actor, item, data.plan_id, at)
    event = EquipmentEvent(
        id=data.id or uuid.uuid4(),
        company_id=actor.company_id,
        equipment_id=item.id,
        site_id=item.site_id,
        kind=data.kind,
        note=data.note,
        holder_id=holder_id,
        plan_id=data.plan_id,
        actor_id=actor.id,
        occurred_at=at,
    )
    session.add(event)
    await session.flush()
    photo_ids = await attach_photos(session, actor, event, data.photo_ids)
    await audit.record(
        session,
        actor,
        action=data.kind.value,
        entity="equipment",
        entity_id=item.id,
        before=before,
        after=audit.snapshot(item, {"event_id": event.id, "photo_ids": photo_ids}),
    )
    return _event_out(event, photo_ids)


async def attach_photos(
    session: AsyncSession, actor: Actor, event: EquipmentEvent, photo_ids: list[uuid.UUID]
) -> list[uuid.UUID]:
    """Link already uploaded photos (POST /api/photos) of the item's site to the event."""
    photos = await photos_for_attachment(session, actor, photo_ids, event.site_id)
    if photos:
        await session.execute(
            insert(equipment_event_photos).values(
                [
                    {"event_id": event.id, "photo_id": photo.id, "position": i}
                    for i, photo in enumerate(photos)
                ]
            )
        )
    return [photo.id for photo in photos]


async def _photo_ids(
    session: AsyncSession, event_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[uuid.UUID]]:
    out: dict[uuid.UUID, list[uuid.UUID]] = {e: [] for e in event_ids}
    if not event_ids:
        return out
    rows = await session.execute(
        select(equipment_event_photos.c.event_id, equipment_event_photos.c.photo_id)
        .where(equipment_event_photos.c.event_id.in_(event_ids))
        .order_by(equipment_event_photos.c.position)
    )
    for event_id, photo_id in rows:
        out[event_id].append(photo_id)
    return out


async def list_events(
    session: AsyncSession,
    actor: Actor,
    item_id: uuid.UUID,
    page: PageParams,
    kind: EquipmentEventKind | None,
) -> tuple[list[EventOut], int]:
    await get_equipment_id(session, actor, item_id)
    where: list[ColumnElement[bool]] = [EquipmentEvent.equipment_id == item_id]
    if kind is not None:
        where.append(EquipmentEvent.kind == kind)
    total = await session.scalar(select(func.count()).select_from(EquipmentEvent).where(*where))
    events = list(
        (
            await session.scalars(
                select(EquipmentEvent)
                .where(*where)
                .order_by(EquipmentEvent.occurred_at.desc(), EquipmentEvent.id)
                .limit(page.limit)
                .offset(page.offset)
            )
        ).all()
    )
    photos = await _photo_ids(session, [e.id for e in events])
    return [_event_out(e, photos[e.id]) for e in events], int(total or 0)


async def close_defect(
    session: AsyncSession,
    actor: Actor,
    item_id: uuid.UUID,
    event_id: uuid.UUID,
    data: DefectClose,
) -> EventOut:
    if actor.role not in DEFECT_CLOSERS:
        raise Forbidden()
    item = await locked_item(session, actor, item_id)
    event = await session.scalar(
        select(EquipmentEvent)
        .where(EquipmentEvent.id == event_id, EquipmentEvent.equipment_id == item.id)
        .with_for_update()
    )
    if event is None:
        raise NotFound("No such event on this item", code="event_not_found")
    if event.kind is not EquipmentEventKind.DEFECT or event.closed_at is not None:
        raise Conflict("this is not an open defect", code="defect_not_open")
    event.closed_at, event.closed_by, event.close_note = utcnow(), actor.id, data.note
    await session.flush()
    await audit.record(
        session,
        actor,
        action="close_defect",
        entity="equipment",
        entity_id=item.id,
        after={"event_id": str(event.id), "note": data.note},
    )
    photos = await _photo_ids(session, [event.id])
    return _event_out(event, photos[event.id])
