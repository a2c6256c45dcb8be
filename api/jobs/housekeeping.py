"""The queue's own upkeep: jobs of dead workers run again, old finished jobs go."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

import procrastinate
from procrastinate.job_context import JobContext
from procrastinate.manager import JobManager

from api.jobs.runtime import job_runtime

log = logging.getLogger(__name__)

blueprint = procrastinate.Blueprint()

# Finished jobs are kept a week so an operator can see what ran and what failed.
KEEP_FINISHED_HOURS = 7 * 24


async def requeue_stalled(manager: JobManager, stalled_s: float) -> int:
    """Put the `doing` jobs of workers silent for `stalled_s` back in the queue; return
    how many. Safe beside other workers doing the same: a job another one already
    re-queued is no longer `doing` and is skipped."""
    requeued = 0
    for job in await manager.get_stalled_jobs(seconds_since_heartbeat=stalled_s):
        try:
            await manager.retry_job(job)
        except Exception:
            # Re-queued by another worker meanwhile, or its queueing lock is taken by a
            # newer job of the same work: either way it is no longer stuck.
            log.info("stalled job %s was not re-queued", job.id, exc_info=True)
            continue
        log.warning("job %s (%s) was stalled; queued again", job.id, job.task_name)
        requeued += 1
    return requeued


@contextlib.asynccontextmanager
async def stalled_jobs_requeued(app: procrastinate.App, stalled_s: float) -> AsyncIterator[None]:
    """For a running worker's lifetime: every half `stalled_s`, jobs of dead workers go
    back to the queue, so a job whose worker was killed mid-inference runs again within
    about 1.5 x `stalled_s` instead of waiting for the next minute's periodic sweep."""

    async def loop() -> None:
        while True:
            await asyncio.sleep(stalled_s / 2)
            try:
                await requeue_stalled(app.job_manager, stalled_s)
            except Exception:
                # PostgreSQL away (a restart): the next round tries again.
                log.warning("checking for stalled jobs failed", exc_info=True)

    task = asyncio.create_task(loop(), name="requeue stalled jobs")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


@blueprint.periodic(cron="* * * * *")
@blueprint.task(name="jobs.retry_stalled", pass_context=True, queueing_lock="jobs.retry_stalled")
async def retry_stalled(context: JobContext, timestamp: int) -> int:
    """A worker killed mid-job (OOM, deploy, a crash in a C library) leaves its job
    `doing` for ever; once its heartbeat has stopped, the job goes back to the queue.
    (Running workers also check every half stalled period; this catches the rest.)"""
    return await requeue_stalled(
        context.app.job_manager, job_runtime().settings.worker.job_stalled_s
    )


@blueprint.periodic(cron="17 3 * * *")
@blueprint.task(name="jobs.prune_finished", pass_context=True)
async def prune_finished(context: JobContext, timestamp: int) -> None:
    # Failed jobs stay until someone has looked at them (they hold the error).
    await context.app.job_manager.delete_old_jobs(nb_hours=KEEP_FINISHED_HOURS)
