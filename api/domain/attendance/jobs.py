"""Attendance background work: the selfie retention purge, deleting the selfies of a
worker who withdrew face consent, and the absence alerts.

The periodic ones judge "now" by the schedule's `timestamp`, so a late run (a worker
that was down) does exactly what the on-time run would have done.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import procrastinate
from sqlalchemy import select, update

from api.db.models import Punch
from api.domain.attendance.absence import publish_absences
from api.domain.attendance.selfies import DELETE_TASK
from api.domain.photos.pending_objects import delete_unreferenced
from api.jobs.runtime import job_runtime

log = logging.getLogger(__name__)

blueprint = procrastinate.Blueprint()

PURGE_BATCH = 200


@blueprint.periodic(cron="23 * * * *")
@blueprint.task(name="attendance.purge_selfies", queueing_lock="attendance.purge_selfies")
async def purge_selfies(timestamp: int) -> int:
    """Delete selfies past their retention, then forget their keys. Object first, key
    second: a crash in between leaves a key whose object is gone, and the next run
    deletes it again (deleting a missing object succeeds), so nothing is left behind."""
    rt = job_runtime()
    now = datetime.fromtimestamp(timestamp, UTC)
    purged = 0
    while True:
        async with rt.session() as session:
            rows = (
                await session.execute(
                    select(Punch.id, Punch.selfie_key)
                    .where(Punch.selfie_key.is_not(None), Punch.selfie_expires_at <= now)
                    .order_by(Punch.selfie_expires_at)
                    .limit(PURGE_BATCH)
                )
            ).all()
            if not rows:
                break
            for punch_id, key in rows:
                if key:
                    await rt.store.delete(key)
                await session.execute(
                    update(Punch)
                    .where(Punch.id == punch_id, Punch.selfie_key == key)
                    .values(selfie_key=None, selfie_expires_at=None)
                )
            await session.commit()
        purged += len(rows)
    if purged:
        log.info("purged %d expired selfies", purged)
    return purged


@blueprint.task(
    name=DELETE_TASK, retry=procrastinate.RetryStrategy(max_attempts=5, exponential_wait=4)
)
async def delete_selfies(keys: list[str]) -> int:
    """Delete the selfies an erasure let go of (selfies.release_selfies marked them).
    A failure is retried here; past the last try, the sweeper deletes what is left."""
    deleted = await delete_unreferenced(job_runtime(), keys)
    log.info("deleted %d selfies after a consent withdrawal", deleted)
    return deleted


@blueprint.periodic(cron="7 * * * *")
@blueprint.task(name="attendance.absence_alerts", queueing_lock="attendance.absence_alerts")
async def absence_alerts(timestamp: int) -> int:
    """Hourly, because sites in different timezones finish their days at different
    hours; each streak is published once however often this runs."""
    rt = job_runtime()
    async with rt.session() as session:
        published = await publish_absences(
            session, rt.settings, datetime.fromtimestamp(timestamp, UTC)
        )
        await session.commit()
    return published
