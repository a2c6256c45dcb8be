"""The selfie a punch keeps, and letting go of a worker's selfies.

Only workers with face consent (enrolled templates) get a selfie kept. What is kept is
not the upload: the photo pipeline (storage/images.py, in a killable child process)
re-encodes it as a bounded JPEG with no metadata at all, so neither the phone's EXIF
(GPS, camera make and serial, capture software) nor bytes appended after the image
reach the store. Its key is marked pending (api/domain/photos/pending_objects.py) before it is
written, so a punch whose transaction fails after the write leaves an object the
sweeper deletes, not one nobody knows about.

A worker who withdraws consent (DELETE /api/users/{id}/face) has every kept selfie
deleted, not merely expired sooner: their punches stay (attendance records), without a
selfie. The keys are forgotten and marked pending in the erasure's own transaction, and
the objects are deleted by a job queued after its commit (`attendance.delete_selfies`);
if that job is lost or its deletes fail, the sweeper deletes the marked keys later.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from api.config import Settings
from api.db.models import Punch
from api.domain.photos.pending_objects import mark_pending
from api.domain.photos.services import decode_image
from storage.images import ImageLimits
from storage.s3 import ObjectStore

DELETE_TASK = "attendance.delete_selfies"

# The PWA sends 640 px (pwa/src/screens/punch.ts); a phone camera's own file is brought
# down to that, which is plenty for a reviewer comparing faces. The pipeline also makes
# a thumbnail; a small one, since a selfie's is never stored.
SELFIE_LIMITS = ImageLimits(max_side=640, thumb_side=64, quality=80)


def selfie_key(company_id: uuid.UUID, punch_id: uuid.UUID) -> str:
    # The file name is the punch id: api/domain/photos/pending_objects.py finds the punch by it.
    return f"selfies/{company_id}/{punch_id}.jpg"


async def store_selfie(
    store: ObjectStore, settings: Settings, user_id: uuid.UUID, key: str, upload: bytes
) -> None:
    """Write the clean copy of `upload` under `key` (already marked pending), decoded in
    one of the punching worker's fair share of decode slots, like their photos."""
    image = await decode_image(settings, user_id, upload, SELFIE_LIMITS)
    await store.put_bytes(key, image.full.data, image.full.content_type)


async def release_selfies(session: AsyncSession, user_id: uuid.UUID) -> list[str]:
    """Forget the worker's selfie keys and mark them pending in the caller's transaction;
    return the keys, for the caller to `enqueue(delete_selfies, keys=...)` (jobs.py,
    which imports this module), deferred after its commit. The caller
    holds the worker's punch lock, so no punch of theirs is storing one meanwhile."""
    rows = (
        await session.execute(
            select(Punch.id, Punch.selfie_key).where(
                Punch.user_id == user_id, Punch.selfie_key.is_not(None)
            )
        )
    ).all()
    keys = [key for _, key in rows if key]
    if not rows:
        return keys
    await mark_pending(session, keys)
    await session.execute(
        update(Punch)
        .where(Punch.id.in_([punch_id for punch_id, _ in rows]))
        .values(selfie_key=None, selfie_expires_at=None)
    )
    return keys
