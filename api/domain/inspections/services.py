"""Inspections: create, list, show, and photos uploaded into them."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from api.config import Settings
from api.db.models import Equipment, Inspection, Photo, Role, Site, inspection_photos
from api.domain.inspections.schemas import InspectionIn, InspectionOut
from api.domain.photos.services import Ingested, PhotoMeta, ingest_photo, photo_body
from api.lib import audit
from api.lib.authz import get_visible_site, visible_sites
from api.lib.context import Actor
from api.lib.errors import IdConflict, Invalid, NotFound
from api.lib.geo import check_optional_point
from api.lib.pagination import PageParams, fetch_page
from storage.s3 import ObjectStore


class InspectionNotFound(NotFound):
    code = "inspection_not_found"
    title = "No such inspection"


def visible_inspections(actor: Actor) -> ColumnElement[bool]:
    """Workers see the inspections they made; everyone else those on their sites."""
    clause = (Inspection.company_id == actor.company_id) & Inspection.site_id.in_(
        select(Site.id).where(visible_sites(actor))
    )
    if actor.role is Role.WORKER:
        clause = clause & (Inspection.created_by == actor.id)
    return clause


async def get_visible_inspection(
    session: AsyncSession, actor: Actor, inspection_id: uuid.UUID
) -> Inspection:
    inspection = await session.scalar(
        select(Inspection).where(Inspection.id == inspection_id, visible_inspections(actor))
    )
    if inspection is None:
        raise InspectionNotFound(f"inspection {inspection_id} not found")
    return inspection


async def _check_equipment(
    session: AsyncSession, actor: Actor, equipment_id: uuid.UUID, site_id: uuid.UUID
) -> None:
    found = await session.scalar(
        select(Equipment.id).where(
            Equipment.id == equipment_id,
            Equipment.company_id == actor.company_id,
            Equipment.site_id == site_id,
        )
    )
    if found is None:
        raise NotFound(
            f"equipment {equipment_id} not found on this site", code="equipment_not_found"
        )


async def _photos_of(
    session: AsyncSession, inspection_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[Photo]]:
    by_inspection: dict[uuid.UUID, list[Photo]] = {i: [] for i in inspection_ids}
    if not inspection_ids:
        return by_inspection
    rows = await session.execute(
        select(inspection_photos.c.inspection_id, Photo)
        .join(Photo, Photo.id == inspection_photos.c.photo_id)
        .where(inspection_photos.c.inspection_id.in_(inspection_ids))
        .order_by(inspection_photos.c.position, Photo.created_at)
    )
    for inspection_id, photo in rows.tuples():
        by_inspection[inspection_id].append(photo)
    return by_inspection


def _inspection_body(
    inspection: Inspection, photos: list[Photo], store: ObjectStore, settings: Settings
) -> dict[str, Any]:
    return {
        "id": inspection.id,
        "site_id": inspection.site_id,
        "created_by": inspection.created_by,
        "title": inspection.title,
        "notes": inspection.notes,
        "lat": inspection.lat,
        "lon": inspection.lon,
        "equipment_id": inspection.equipment_id,
        "created_at": inspection.created_at,
        "photos": [photo_body(p, store, settings) for p in photos],
    }


async def create_inspection(
    session: AsyncSession, actor: Actor, data: InspectionIn
) -> InspectionOut:
    site = await get_visible_site(session, actor, data.site_id)
    check_optional_point(data.lat, data.lon)
    if data.equipment_id is not None:
        await _check_equipment(session, actor, data.equipment_id, site.id)
    inspection = Inspection(
        id=data.id,
        company_id=actor.company_id,
        site_id=site.id,
        created_by=actor.id,
        title=data.title,
        notes=data.notes,
        lat=data.lat,
        lon=data.lon,
        equipment_id=data.equipment_id,
    )
    session.add(inspection)
    await session.flush()
    await session.refresh(inspection)
    body: dict[str, Any] = {
        "id": str(inspection.id),
        "site_id": str(site.id),
        "created_by": str(actor.id),
        "title": inspection.title,
        "notes": inspection.notes,
        "lat": inspection.lat,
        "lon": inspection.lon,
        "equipment_id": str(inspection.equipment_id) if inspection.equipment_id else None,
        "created_at": inspection.created_at.isoformat(),
        "photos": [],
    }
    await audit.record(
        session, actor, action="create", entity="inspection", entity_id=inspection.id, after=body
    )
    return InspectionOut(
        id=inspection.id,
        site_id=site.id,
        created_by=actor.id,
        title=inspection.title,
        notes=inspection.notes,
        lat=inspection.lat,
        lon=inspection.lon,
        equipment_id=inspection.equipment_id,
        created_at=inspection.created_at,
        photos=[],
    )


async def list_inspections(
    session: AsyncSession,
    actor: Actor,
    store: ObjectStore,
    settings: Settings,
    page: PageParams,
    site_id: uuid.UUID | None,
) -> tuple[list[dict[str, Any]], int]:
    query = select(Inspection).where(visible_inspections(actor))
    if site_id is not None:
        query = query.where(Inspection.site_id == site_id)
    rows, total = await fetch_page(
        session, query.order_by(Inspection.created_at.desc(), Inspection.id), page
    )
    photos = await _photos_of(session, [i.id for i in rows])
    return [_inspection_body(i, photos[i.id], store, settings) for i in rows], total


async def show_inspection(
    session: AsyncSession,
    actor: Actor,
    store: ObjectStore,
    settings: Settings,
    inspection_id: uuid.UUID,
) -> dict[str, Any]:
    inspection = await get_visible_inspection(session, actor, inspection_id)
    photos = await _photos_of(session, [inspection.id])
    return _inspection_body(inspection, photos[inspection.id], store, settings)


async def add_photo(
    session: AsyncSession,
    actor: Actor,
    store: ObjectStore,
    settings: Settings,
    inspection_id: uuid.UUID,
    meta: PhotoMeta,
    data: bytes,
) -> Ingested:
    inspection = await get_visible_inspection(session, actor, inspection_id)
    if meta.site_id is not None and meta.site_id != inspection.site_id:
        raise Invalid("meta.site_id differs from the inspection's site", code="site_mismatch")
    site = await session.get(Site, inspection.site_id)
    if site is None:  # pragma: no cover - foreign key
        raise InspectionNotFound(f"inspection {inspection_id} not found")
    ingested = await ingest_photo(session, store, settings, actor, site=site, meta=meta, data=data)
    linked_to = await session.scalar(
        select(inspection_photos.c.inspection_id).where(
            inspection_photos.c.photo_id == ingested.photo.id
        )
    )
    if linked_to is not None and linked_to != inspection.id:
        raise IdConflict(f"photo {meta.id} belongs to another inspection")
    if linked_to is None:
        position = await session.scalar(
            select(func.count()).where(inspection_photos.c.inspection_id == inspection.id)
        )
        await session.execute(
            insert(inspection_photos)
            .values(inspection_id=inspection.id, photo_id=ingested.photo.id, position=position)
            .on_conflict_do_nothing()
        )
    return ingested
