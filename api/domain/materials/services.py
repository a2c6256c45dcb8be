"""Material batches: registering a lot delivered to a site, and reading batches back with
their certificate state and what the gate has received so far.

A batch whose certificate is missing or expired is flagged wherever it is shown (the
scan first of all): material without a valid mill or test certificate must not be built
in.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement, Select, false, func, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from api.db.models import MaterialBatch, MaterialReceipt, Role, Site
from api.domain.labels.qr import fresh_codes, scan_url
from api.domain.materials.schemas import (
    BatchCertificate,
    BatchIn,
    BatchOut,
    Received,
)
from api.lib import audit
from api.lib.authz import get_visible_site, visible_sites
from api.lib.context import Actor
from api.lib.dates import certificate_state, site_today
from api.lib.errors import Conflict, NotFound
from api.lib.pagination import PageParams
from storage.s3 import ObjectStore

REGISTRARS = frozenset({Role.ADMIN, Role.MANAGER})
# Whoever meets the delivery may photograph its certificate.
CERTIFIERS = frozenset({Role.ADMIN, Role.MANAGER, Role.SAFETY_OFFICER, Role.FOREMAN})


class BatchNotFound(NotFound):
    code = "batch_not_found"
    title = "No such material batch"


def batch_query(actor: Actor) -> Select[Any]:
    """Batches on sites the actor can see, with their site and receipt totals."""
    totals = (
        select(
            func.coalesce(
                func.sum(MaterialReceipt.quantity).filter(MaterialReceipt.accepted), 0
            ).label("accepted_qty"),
            func.coalesce(
                func.sum(MaterialReceipt.quantity).filter(MaterialReceipt.accepted.is_(false())),
                0,
            ).label("rejected_qty"),
            func.count().label("receipt_count"),
        )
        .where(MaterialReceipt.batch_id == MaterialBatch.id)
        .correlate(MaterialBatch)
        .lateral("totals")
    )
    return (
        select(
            *MaterialBatch.__table__.c,
            Site.name.label("site_name"),
            Site.timezone.label("site_timezone"),
            totals.c.accepted_qty,
            totals.c.rejected_qty,
            totals.c.receipt_count,
        )
        .join(Site, Site.id == MaterialBatch.site_id)
        .outerjoin(totals, true())
        .where(MaterialBatch.company_id == actor.company_id, visible_sites(actor))
    )


def batch_out(row: Mapping[Any, Any], base: str, store: ObjectStore, ttl_s: int) -> BatchOut:
    today = site_today(row["site_timezone"])
    key = row["certificate_key"]
    return BatchOut(
        id=row["id"],
        code=row["code"],
        scan_url=scan_url(base, row["code"]),
        site_id=row["site_id"],
        site_name=row["site_name"],
        material=row["material"],
        spec=row["spec"],
        batch_no=row["batch_no"],
        supplier=row["supplier"],
        quantity=row["quantity"],
        unit=row["unit"],
        certificate=BatchCertificate(
            state=certificate_state(row["certificate_expires_on"], today, present=key is not None),
            expires_on=row["certificate_expires_on"],
            content_type=row["certificate_content_type"],
            bytes=row["certificate_bytes"],
            uploaded_at=row["certificate_uploaded_at"],
            # Signing is local computation: no network round trip per batch.
            url=store.presigned_get_url(key, expires_s=ttl_s) if key else None,
            url_expires_in=ttl_s if key else None,
        ),
        received=Received(
            accepted=float(row["accepted_qty"]),
            rejected=float(row["rejected_qty"]),
            receipts=row["receipt_count"],
        ),
        created_at=row["created_at"],
    )


def batch_flags(batch: BatchOut) -> list[str]:
    out = []
    if batch.certificate.state != "valid":
        out.append(f"certificate_{batch.certificate.state}")
    if batch.received.rejected:
        out.append("rejected_deliveries")
    if batch.received.accepted > batch.quantity:
        out.append("over_delivered")
    return out


def batch_actions(role: Role) -> list[str]:
    actions = ["receive"]
    if role in CERTIFIERS:
        actions.append("upload_certificate")
    if role in REGISTRARS:
        actions.append("edit")
    return actions


class BatchReader:
    """Turns batch rows into responses with the request's label base and link lifetime."""

    def __init__(self, base: str, store: ObjectStore, ttl_s: int) -> None:
        self.base, self.store, self.ttl_s = base, store, ttl_s

    def out(self, row: Mapping[Any, Any]) -> BatchOut:
        return batch_out(row, self.base, self.store, self.ttl_s)

    async def one(self, session: AsyncSession, actor: Actor, batch_id: uuid.UUID) -> BatchOut:
        row = (
            await session.execute(batch_query(actor).where(MaterialBatch.id == batch_id))
        ).first()
        if row is None:
            raise BatchNotFound()
        return self.out(row._mapping)


async def locked_batch(session: AsyncSession, actor: Actor, batch_id: uuid.UUID) -> MaterialBatch:
    batch = await session.scalar(
        select(MaterialBatch)
        .join(Site, Site.id == MaterialBatch.site_id)
        .where(
            MaterialBatch.id == batch_id,
            MaterialBatch.company_id == actor.company_id,
            visible_sites(actor),
        )
        .with_for_update(of=MaterialBatch)
    )
    if batch is None:
        raise BatchNotFound()
    return batch


async def create_batch(
    session: AsyncSession, actor: Actor, data: BatchIn, reader: BatchReader
) -> BatchOut:
    await get_visible_site(session, actor, data.site_id)
    (code,) = await fresh_codes(session)
    batch = MaterialBatch(
        id=data.id or uuid.uuid4(),
        company_id=actor.company_id,
        site_id=data.site_id,
        code=code,
        material=data.material,
        spec=data.spec,
        batch_no=data.batch_no,
        supplier=data.supplier,
        quantity=data.quantity,
        unit=data.unit,
        certificate_expires_on=data.certificate_expires_on,
    )
    await audit.add_and_record(
        session, actor, batch, entity="material_batch", flush=lambda: _flush_or_taken(session)
    )
    return await reader.one(session, actor, batch.id)


async def _flush_or_taken(session: AsyncSession) -> None:
    try:
        await session.flush()
    except IntegrityError as exc:
        if "uq_material_batches_site_id" in str(exc.orig):
            raise Conflict(
                "this batch of this material from this supplier is already registered here",
                code="batch_taken",
            ) from exc
        raise


async def list_batches(
    session: AsyncSession,
    actor: Actor,
    page: PageParams,
    reader: BatchReader,
    *,
    site_id: uuid.UUID | None,
    certificate: str | None,
) -> tuple[list[BatchOut], int]:
    where: list[ColumnElement[bool]] = []
    if site_id is not None:
        where.append(MaterialBatch.site_id == site_id)
    if certificate == "missing":
        where.append(MaterialBatch.certificate_key.is_(None))
    total = await session.scalar(
        select(func.count())
        .select_from(MaterialBatch)
        .join(Site, Site.id == MaterialBatch.site_id)
        .where(MaterialBatch.company_id == actor.company_id, visible_sites(actor), *where)
    )
    rows = await session.execute(
        batch_query(actor)
        .where(*where)
        .order_by(MaterialBatch.created_at.desc(), MaterialBatch.id)
        .limit(page.limit)
        .offset(page.offset)
    )
    return [reader.out(r._mapping) for r in rows], int(total or 0)


async def visible_batch_id(session: AsyncSession, actor: Actor, batch_id: uuid.UUID) -> uuid.UUID:
    found = await session.scalar(
        select(MaterialBatch.id)
        .join(Site, Site.id == MaterialBatch.site_id)
        .where(
            MaterialBatch.id == batch_id,
            MaterialBatch.company_id == actor.company_id,
            visible_sites(actor),
        )
    )
    if found is None:
        raise BatchNotFound()
    return found
