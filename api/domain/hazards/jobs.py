"""Queue jobs: check each new photo, re-queue stuck ones, raise overdue fixes."""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

import procrastinate
from sqlalchemy import select, update

from api.db.models import Photo, Rectification, Site
from api.db.models.base import utcnow
from api.domain.alerts.outbox import publish
from api.domain.hazards import detection
from api.domain.hazards.services import rectification_body, resolve_verifying
from api.jobs.enqueue import enqueue_locked
from api.jobs.runtime import job_runtime

log = logging.getLogger(__name__)

blueprint = procrastinate.Blueprint()

# A photo still `pending` this long after upload lost its job (a crash between commit
# and defer, a purged queue): the sweeper queues it again.
STALE_PENDING = timedelta(minutes=10)


@blueprint.task(
    name="hazards.detect",
    # Our own attempt count (on the photo) decides `failed`; this only spaces retries.
    retry=procrastinate.RetryStrategy(max_attempts=detection.MAX_ATTEMPTS, exponential_wait=5),
    queue="inference",
)
async def detect_photo(photo_id: str) -> str:
    rt = job_runtime()
    pid = uuid.UUID(photo_id)
    async with rt.session() as session:
        photo = await session.get(Photo, pid)
        if photo is None or photo.hazard_status != "pending":
            return "skipped"
        photo.hazard_attempts += 1
        attempts = photo.hazard_attempts
        # The site's own tile grid (a site photographed from afar); None: the policy's.
        stored_tiling = await session.scalar(
            select(Site.hazard_tiling).where(Site.id == photo.site_id)
        )
        await session.commit()
    try:
        tiling = detection.site_tiling(stored_tiling)
        result = await detection.detect(rt.store, photo, rt.settings, tiling)
    except Exception as exc:
        log.warning("hazard check of photo %s failed (attempt %d)", pid, attempts, exc_info=True)
        if attempts >= detection.MAX_ATTEMPTS:
            async with rt.session() as session:
                await detection.record_failure(session, pid, f"{type(exc).__name__}: {exc}")
                stored = await session.get(Photo, pid)
                if stored is not None:
                    await resolve_verifying(session, stored)
                await session.commit()
            return "failed"
        raise
    async with rt.session() as session:
        await detection.record_result(session, photo, result)
        stored = await session.get(Photo, pid, populate_existing=True)
        if stored is not None:
            await resolve_verifying(session, stored)
        await session.commit()
    return "flagged" if result.flagged else "clear"


def queue_detection(photo_id: uuid.UUID) -> None:
    """Ask for a check once the caller's work commits; a photo already waiting keeps its
    one job."""
    enqueue_locked(detect_photo, queueing_lock=f"detect:{photo_id}")(photo_id=str(photo_id))


@blueprint.periodic(cron="*/5 * * * *")
@blueprint.task(name="hazards.requeue_stale", queueing_lock="hazards.requeue_stale")
async def requeue_stale(timestamp: int) -> int:
    rt = job_runtime()
    async with rt.session() as session:
        stale = (
            await session.scalars(
                select(Photo.id)
                .where(
                    Photo.hazard_status == "pending",
                    Photo.updated_at < utcnow() - STALE_PENDING,
                )
                .limit(500)
            )
        ).all()
        # Touch them, so the next sweep waits another period before trying again.
        await session.execute(update(Photo).where(Photo.id.in_(stale)).values(updated_at=utcnow()))
        await session.commit()
    for photo_id in stale:
        queue_detection(photo_id)
    if stale:
        log.info("queued %d photos whose hazard check was lost", len(stale))
    return len(stale)


@blueprint.periodic(cron="*/15 * * * *")
@blueprint.task(name="hazards.overdue", queueing_lock="hazards.overdue")
async def raise_overdue(timestamp: int) -> int:
    """Publish `rectification.overdue` once per fix that passed its due date."""
    rt = job_runtime()
    raised = 0
    async with rt.session() as session:
        overdue = (
            await session.scalars(
                select(Rectification)
                .where(
                    Rectification.status != "closed",
                    Rectification.due_at < utcnow(),
                    Rectification.overdue_notified_at.is_(None),
                )
                .limit(500)
                .with_for_update(skip_locked=True)
            )
        ).all()
        for fix in overdue:
            body = rectification_body(fix)
            await publish(
                session,
                company_id=fix.company_id,
                site_id=fix.site_id,
                kind="rectification.overdue",
                dedupe_key=f"rectification.overdue:{fix.id}",
                payload={
                    "title": "Rectification overdue",
                    "summary": f"A confirmed hazard fix was due {fix.due_at:%Y-%m-%d %H:%M} UTC",
                    "rectification_id": str(fix.id),
                    "hazard_id": str(fix.hazard_id),
                    "assignee_id": str(fix.assignee_id) if fix.assignee_id else None,
                    "due_at": body["due_at"].isoformat(),
                },
            )
            fix.overdue_notified_at = utcnow()
            raised += 1
        await session.commit()
    return raised
