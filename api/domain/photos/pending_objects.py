"""Objects in the store that no row may refer to: the one way nothing stored is lost track of.

A key is marked in `pending_objects` (and the mark committed) before its object is
written, and unmarked in the same transaction that makes a row refer to it. A row can
also let go of its object (a selfie erased with the worker's face): it marks the key in
the transaction that forgets it. Either way, whatever mark is left is an object that may
have no row: `delete_unreferenced` deletes it unless a row refers to the key by then.

Photos (api/domain/photos/services.py) and punch selfies (api/domain/attendance/selfies.py) both go
through here; the sweeper (`photos.sweep_orphans`) runs `delete_unreferenced` on marks
old enough that no upload can still be on its way.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from datetime import datetime
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from sqlalchemy import delete, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from api.db.models import PendingObject, Photo, Punch
from api.db.models.base import utcnow

if TYPE_CHECKING:
    from api.jobs.runtime import JobRuntime

log = logging.getLogger(__name__)


async def mark_pending(session: AsyncSession, keys: Iterable[str]) -> None:
    """Mark `keys` in the caller's transaction. A mark already there is renewed, so a
    resend that writes an old key again is not swept while it does."""
    rows = [{"key": key, "created_at": utcnow()} for key in dict.fromkeys(keys)]
    if not rows:
        return
    stmt = insert(PendingObject).values(rows)
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[PendingObject.key], set_={"created_at": stmt.excluded.created_at}
        )
    )


async def unmark(session: AsyncSession, keys: Iterable[str]) -> None:
    """In the transaction whose commit makes a row refer to the keys (or settles that
    nothing was written under them)."""
    await session.execute(delete(PendingObject).where(PendingObject.key.in_(list(keys))))


def _selfie_punch_id(key: str) -> uuid.UUID | None:
    # A selfie is stored under its punch's id (selfies/<company>/<punch id>.jpg), so
    # its punch is found by primary key; punches have no index on selfie_key.
    try:
        return uuid.UUID(PurePosixPath(key).stem)
    except ValueError:
        return None


async def is_referenced(session: AsyncSession, key: str) -> bool:
    if await session.scalar(
        select(Photo.id).where(or_(Photo.key == key, Photo.thumb_key == key)).limit(1)
    ):
        return True
    punch_id = _selfie_punch_id(key)
    if punch_id is None:
        return False
    found = await session.scalar(
        select(Punch.id).where(Punch.id == punch_id, Punch.selfie_key == key)
    )
    return found is not None


async def delete_unreferenced(
    rt: JobRuntime, keys: Iterable[str], *, marked_before: datetime | None = None
) -> int:
    """Delete the objects of marked `keys` that no row refers to, and their marks; return
    how many objects were deleted. With `marked_before`, only marks older than that.

    Each mark is claimed by deleting it first: an upload renewing the same mark waits on
    that row until this key is done, so it never writes an object that is then deleted.
    A failed delete rolls the claim back, and the mark waits for the next run."""
    deleted = 0
    for key in keys:
        async with rt.session() as session:
            claim = delete(PendingObject).where(PendingObject.key == key)
            if marked_before is not None:
                claim = claim.where(PendingObject.created_at < marked_before)
            if await session.scalar(claim.returning(PendingObject.key)) is None:
                continue
            if not await is_referenced(session, key):
                # Deleting a key that was never written is a no-op in S3.
                await rt.store.delete(key)
                deleted += 1
            await session.commit()
    return deleted
