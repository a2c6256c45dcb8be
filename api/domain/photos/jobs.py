"""Stored-object upkeep: objects whose database row never came (or let go of them) are
deleted (api/domain/photos/pending_objects.py). Named after photos, the first to need it; punch
selfies are swept the same way."""

from __future__ import annotations

import logging
from datetime import timedelta

import procrastinate
from sqlalchemy import select

from api.db.models import PendingObject
from api.db.models.base import utcnow
from api.domain.photos.pending_objects import delete_unreferenced
from api.jobs.runtime import job_runtime

log = logging.getLogger(__name__)

blueprint = procrastinate.Blueprint()

# Far longer than any upload takes between writing the object and its row.
ORPHAN_AFTER = timedelta(hours=1)


async def sweep_orphans_once(older_than: timedelta = ORPHAN_AFTER) -> int:
    """Delete stored objects that no row refers to, among those marked pending before
    `older_than`; return how many objects were deleted."""
    rt = job_runtime()
    cutoff = utcnow() - older_than
    async with rt.session() as session:
        keys = (
            await session.scalars(
                select(PendingObject.key)
                .where(PendingObject.created_at < cutoff)
                .order_by(PendingObject.created_at)
                .limit(1000)
            )
        ).all()
    deleted = await delete_unreferenced(rt, keys, marked_before=cutoff)
    if deleted:
        log.info("deleted %d orphaned objects", deleted)
    return deleted


@blueprint.periodic(cron="*/15 * * * *")
@blueprint.task(name="photos.sweep_orphans", queueing_lock="photos.sweep_orphans", retry=3)
async def sweep_orphans(timestamp: int) -> int:
    return await sweep_orphans_once()
