"""Photo upkeep: objects whose database row never came are deleted."""

from __future__ import annotations

import logging
from datetime import timedelta

import procrastinate
from sqlalchemy import delete, or_, select

from api.db.models import PendingObject, Photo
from api.db.models.base import utcnow
from api.jobs.runtime import job_runtime

log = logging.getLogger(__name__)

blueprint = procrastinate.Blueprint()

# Far longer than any upload takes between writing the object and its row.
ORPHAN_AFTER = timedelta(hours=1)


async def sweep_orphans_once(older_than: timedelta = ORPHAN_AFTER) -> int:
    """Delete stored objects that no photo refers to, among those recorded as pending
    before `older_than`; return how many objects were deleted."""
    rt = job_runtime()
    deleted = 0
    async with rt.session() as session:
        keys = (
            await session.scalars(
                select(PendingObject.key)
                .where(PendingObject.created_at < utcnow() - older_than)
                .order_by(PendingObject.created_at)
                .limit(1000)
            )
        ).all()
        for key in keys:
            referenced = await session.scalar(
                select(Photo.id).where(or_(Photo.key == key, Photo.thumb_key == key)).limit(1)
            )
            if referenced is None:
                # Deleting a key that was never written is a no-op in S3.
                await rt.store.delete(key)
                deleted += 1
            await session.execute(delete(PendingObject).where(PendingObject.key == key))
            await session.commit()
    if deleted:
        log.info("deleted %d orphaned photo objects", deleted)
    return deleted


@blueprint.periodic(cron="*/15 * * * *")
@blueprint.task(name="photos.sweep_orphans", queueing_lock="photos.sweep_orphans", retry=3)
async def sweep_orphans(timestamp: int) -> int:
    return await sweep_orphans_once()
