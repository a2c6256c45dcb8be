"""The shared photo piece: an upload becomes a stored object and a row, exactly once.

Inspections, hazards, rectifications, equipment events and material receipts all hold
photos; each links them through its own table, and all of them ingest and render
photos through this module.

Order of writes (so a crash at any point loses nothing and leaves nothing for long):

1. the upload is processed (storage/images.py, in a killable child process);
2. the object keys are marked pending (api/domain/photos/pending_objects.py) and committed;
3. the objects are written; keys are the sha256 of the stored bytes, so a resend of
   the same photo writes the same key again instead of a second copy;
4. the photo row is inserted and the pending marks removed in one transaction.

A failure in 3 is a 503 and nothing references the keys; a failure in 4 leaves objects
that only `pending_objects` knows about: the sweeper (`photos.sweep_orphans`) deletes
those once they are old enough that no upload can still be on its way.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from anyio.lowlevel import RunVar
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from api.config import Settings
from api.db.models import Photo, Site
from api.domain.photos.pending_objects import mark_pending, unmark
from api.lib import audit
from api.lib.authz import visible_sites
from api.lib.context import Actor
from api.lib.dates import TimesInRange, in_range
from api.lib.errors import IdConflict, Invalid, NotFound
from api.lib.geo import check_optional_point
from storage.decode_slots import DecodeSlots
from storage.images import ImageLimits, ProcessedImage, process_image
from storage.s3 import ObjectStore


class PhotoNotFound(NotFound):
    code = "photo_not_found"
    title = "No such photo"


class PhotoMeta(TimesInRange, forbid_unknown_fields=True):
    """The `meta` part of a photo upload. The phone's own capture time and position are
    what count: the PWA strips EXIF when it compresses, so EXIF is only a fallback."""

    id: uuid.UUID
    captured_at: datetime | None = None
    lat: float | None = None
    lon: float | None = None
    # Only for uploads that name their site themselves (POST /api/photos).
    site_id: uuid.UUID | None = None


@dataclass(frozen=True)
class Ingested:
    photo: Photo
    created: bool


# One set of decode slots per event loop (a RunVar), created on first use inside it.
_slots: RunVar[DecodeSlots] = RunVar("sitecheck_decode_slots")


def decode_slots(settings: Settings) -> DecodeSlots:
    # Each decode is a child process at full speed on one core; more at once than there
    # are cores only makes every upload slower. Shared fairly between users, so one
    # account's burst of slow files cannot hold every slot (storage/decode_slots.py).
    try:
        return _slots.get()
    except LookupError:
        slots = DecodeSlots(settings.uploads.image_workers)
        _slots.set(slots)
        return slots


async def decode_image(
    settings: Settings, user_id: uuid.UUID, data: bytes, limits: ImageLimits
) -> ProcessedImage:
    """`process_image` in a decode slot of the user's fair share."""
    return await decode_slots(settings).run(user_id, process_image, data, limits)


def object_keys(company_id: uuid.UUID, image: ProcessedImage) -> tuple[str, str]:
    full, thumb = image.full.sha256, image.thumb.sha256
    return (
        f"photos/{company_id}/{full[:2]}/{full}.jpg",
        f"thumbs/{company_id}/{thumb[:2]}/{thumb}.jpg",
    )


def _same_upload(photo: Photo, actor: Actor, source_sha256: str, site_id: uuid.UUID) -> bool:
    return (
        photo.company_id == actor.company_id
        and photo.source_sha256 == source_sha256
        and photo.site_id == site_id
    )


def _captured_at(meta: PhotoMeta, image: ProcessedImage, site: Site) -> datetime | None:
    if meta.captured_at is not None:
        if meta.captured_at.tzinfo is None:
            return meta.captured_at.replace(tzinfo=UTC)
        return meta.captured_at
    exif = image.meta.captured_at
    if exif is not None and exif.tzinfo is None:
        # A camera clock without a zone is local time where the photo was taken: the site's.
        try:
            exif = exif.replace(tzinfo=ZoneInfo(site.timezone))
        except ZoneInfoNotFoundError:
            exif = exif.replace(tzinfo=UTC)
    return _plausible_exif_time(exif)


def _plausible_exif_time(exif: datetime | None) -> datetime | None:
    """A camera clock at year 1 or 9999 is a broken clock: the photo is kept without a
    capture time rather than refused (the client's own `captured_at` is refused instead,
    by PhotoMeta)."""
    if exif is None:
        return None
    try:
        return in_range(exif, "captured_at")
    except Invalid:
        return None


async def ingest_photo(
    session: AsyncSession,
    store: ObjectStore,
    settings: Settings,
    actor: Actor,
    *,
    site: Site,
    meta: PhotoMeta,
    data: bytes,
) -> Ingested:
    """Store `data` as photo `meta.id` on `site`; a resend of the same upload returns the
    row that exists (created=False), the same id with other content is `id_conflict`."""
    check_optional_point(meta.lat, meta.lon)
    source_sha256 = hashlib.sha256(data).hexdigest()

    existing = await session.get(Photo, meta.id)
    if existing is not None:
        if not _same_upload(existing, actor, source_sha256, site.id):
            raise IdConflict(f"photo id {meta.id} was already used for a different upload")
        return Ingested(existing, created=False)

    image = await decode_image(settings, actor.id, data, ImageLimits())
    full_key, thumb_key = object_keys(actor.company_id, image)

    await mark_pending(session, [full_key, thumb_key])
    await session.commit()

    await store.put_bytes(full_key, image.full.data, image.full.content_type)
    await store.put_bytes(thumb_key, image.thumb.data, image.thumb.content_type)

    lat = meta.lat if meta.lat is not None else image.meta.lat
    lon = meta.lon if meta.lon is not None else image.meta.lon
    inserted = await session.scalar(
        insert(Photo)
        .values(
            id=meta.id,
            company_id=actor.company_id,
            site_id=site.id,
            uploaded_by=actor.id,
            key=full_key,
            thumb_key=thumb_key,
            sha256=image.full.sha256,
            content_type=image.full.content_type,
            width=image.full.width,
            height=image.full.height,
            bytes=len(image.full.data),
            source_sha256=source_sha256,
            source_format=image.meta.source_format,
            source_bytes=len(data),
            source_width=image.meta.source_width,
            source_height=image.meta.source_height,
            captured_at=_captured_at(meta, image, site),
            lat=lat,
            lon=lon,
            hazard_status="pending",
        )
        .on_conflict_do_nothing(index_elements=[Photo.id])
        .returning(Photo.id)
    )
    await unmark(session, [full_key, thumb_key])
    photo = await session.get(Photo, meta.id, populate_existing=True)
    if photo is None:  # pragma: no cover - inserted or already there, one of the two
        raise RuntimeError("photo row vanished")
    if inserted is None:
        # An identical resend raced this one and won: same content is a replay.
        if not _same_upload(photo, actor, source_sha256, site.id):
            raise IdConflict(f"photo id {meta.id} was already used for a different upload")
        return Ingested(photo, created=False)
    await audit.record(
        session,
        actor,
        action="create",
        entity="photo",
        entity_id=photo.id,
        after={"site_id": str(site.id), "sha256": photo.sha256, "bytes": photo.bytes},
    )
    return Ingested(photo, created=True)


async def get_visible_photo(session: AsyncSession, actor: Actor, photo_id: uuid.UUID) -> Photo:
    photo = await session.scalar(
        select(Photo)
        .join(Site, Site.id == Photo.site_id)
        .where(Photo.id == photo_id, Photo.company_id == actor.company_id, visible_sites(actor))
    )
    if photo is None:
        raise PhotoNotFound(f"photo {photo_id} not found")
    return photo


async def photos_for_attachment(
    session: AsyncSession, actor: Actor, photo_ids: list[uuid.UUID], site_id: uuid.UUID
) -> list[Photo]:
    """The photos a hazard, rectification, equipment event or receipt may link: each one
    must exist, be visible to the caller and belong to the same site."""
    if not photo_ids:
        return []
    wanted = list(dict.fromkeys(photo_ids))
    rows = (
        await session.scalars(
            select(Photo)
            .join(Site, Site.id == Photo.site_id)
            .where(
                Photo.id.in_(wanted),
                Photo.company_id == actor.company_id,
                Photo.site_id == site_id,
                visible_sites(actor),
            )
        )
    ).all()
    found = {p.id: p for p in rows}
    missing = [str(i) for i in wanted if i not in found]
    if missing:
        raise PhotoNotFound(f"photos not found on this site: {', '.join(missing)}")
    return [found[i] for i in wanted]


def hazard_body(photo: Photo) -> dict[str, Any]:
    return {
        "status": photo.hazard_status,
        "model": photo.hazard_model,
        "detections": photo.hazard_detections or [],
        "checked_at": photo.hazard_checked_at,
        "error": photo.hazard_error if photo.hazard_status == "failed" else None,
    }


def photo_body(photo: Photo, store: ObjectStore, settings: Settings) -> dict[str, Any]:
    """The API's view of a photo, with fresh presigned links (never stored: they expire)."""
    ttl = settings.uploads.presign_ttl_s
    return {
        "id": photo.id,
        "site_id": photo.site_id,
        "url": store.presigned_get_url(photo.key, expires_s=ttl),
        "thumb_url": store.presigned_get_url(photo.thumb_key, expires_s=ttl),
        "url_expires_in": ttl,
        "width": photo.width,
        "height": photo.height,
        "bytes": photo.bytes,
        "sha256": photo.sha256,
        "content_type": photo.content_type,
        "captured_at": photo.captured_at,
        "lat": photo.lat,
        "lon": photo.lon,
        "uploaded_by": photo.uploaded_by,
        "created_at": photo.created_at,
        "hazard": hazard_body(photo),
    }
