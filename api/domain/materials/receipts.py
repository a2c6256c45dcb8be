"""Receipts at the site gate: a delivery of a batch checked, accepted or rejected with a
reason, with photos (the delivery note, the damage). Idempotent by the client's id: a
phone at the gate has the worst signal on the site."""

from __future__ import annotations

import uuid

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.db.models import MaterialBatch, MaterialReceipt, material_receipt_photos
from api.domain.materials.schemas import ReceiptIn, ReceiptOut
from api.domain.materials.services import locked_batch, visible_batch_id
from api.domain.photos.services import photos_for_attachment
from api.lib import audit
from api.lib.context import Actor
from api.lib.dates import client_time
from api.lib.errors import Invalid
from api.lib.pagination import PageParams


def _receipt_out(receipt: MaterialReceipt, unit: str, photo_ids: list[uuid.UUID]) -> ReceiptOut:
    return ReceiptOut(
        id=receipt.id,
        batch_id=receipt.batch_id,
        quantity=receipt.quantity,
        unit=unit,
        accepted=receipt.accepted,
        note=receipt.note,
        reason=receipt.reason,
        received_by=receipt.received_by,
        received_at=receipt.received_at,
        created_at=receipt.created_at,
        photo_ids=photo_ids,
    )


async def create_receipt(
    session: AsyncSession, actor: Actor, batch_id: uuid.UUID, data: ReceiptIn
) -> ReceiptOut:
    if not data.accepted and not data.reason:
        raise Invalid("a rejected delivery needs a reason", code="reason_required")
    # Locked so concurrent receipts of one batch add up in order.
    batch = await locked_batch(session, actor, batch_id)
    receipt = MaterialReceipt(
        id=data.id or uuid.uuid4(),
        company_id=actor.company_id,
        batch_id=batch.id,
        quantity=data.quantity,
        accepted=data.accepted,
        note=data.note,
        reason=data.reason,
        received_by=actor.id,
        received_at=client_time(data.received_at, "received_at"),
    )
    photos = await photos_for_attachment(session, actor, data.photo_ids, batch.site_id)
    photo_ids = [p.id for p in photos]
    await audit.add_and_record(
        session,
        actor,
        receipt,
        action="receive",
        entity="material_batch",
        entity_id=batch.id,
        extra={"photo_ids": photo_ids},
    )
    if photos:
        await session.execute(
            insert(material_receipt_photos).values(
                [
                    {"receipt_id": receipt.id, "photo_id": p.id, "position": i}
                    for i, p in enumerate(photos)
                ]
            )
        )
    return _receipt_out(receipt, batch.unit, photo_ids)


async def list_receipts(
    session: AsyncSession, actor: Actor, batch_id: uuid.UUID, page: PageParams
) -> tuple[list[ReceiptOut], int]:
    await visible_batch_id(session, actor, batch_id)
    unit = await session.scalar(select(MaterialBatch.unit).where(MaterialBatch.id == batch_id))
    total = await session.scalar(select(func.count()).where(MaterialReceipt.batch_id == batch_id))
    receipts = list(
        (
            await session.scalars(
                select(MaterialReceipt)
                .where(MaterialReceipt.batch_id == batch_id)
                .order_by(MaterialReceipt.received_at.desc(), MaterialReceipt.id)
                .limit(page.limit)
                .offset(page.offset)
            )
        ).all()
    )
    photos: dict[uuid.UUID, list[uuid.UUID]] = {r.id: [] for r in receipts}
    if receipts:
        rows = await session.execute(
            select(material_receipt_photos.c.receipt_id, material_receipt_photos.c.photo_id)
            .where(material_receipt_photos.c.receipt_id.in_(photos))
            .order_by(material_receipt_photos.c.position)
        )
        for receipt_id, photo_id in rows:
            photos[receipt_id].append(photo_id)
    return [_receipt_out(r, unit or "", photos[r.id]) for r in receipts], int(total or 0)
