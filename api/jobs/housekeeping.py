"""The queue's own upkeep: jobs of dead workers run again, old finished jobs go."""

from __future__ import annotations

import logging

import procrastinate
from procrastinate.job_context import JobContext

log = logging.getLogger(__name__)

blueprint = procrastinate.Blueprint()

# Finished jobs are kept a week so an operator can see what ran and what failed.
KEEP_FINISHED_HOURS = 7 * 24


@blueprint.periodic(cron="* * * * *")
@blueprint.task(name="jobs.retry_stalled", pass_context=True, queueing_lock="jobs.retry_stalled")
async def retry_stalled(context: JobContext, timestamp: int) -> int:
    """A worker killed mid-job (OOM, deploy, a crash in a C library) leaves its job
    `doing` for ever; once its heartbeat has stopped, the job goes back to the queue."""
    manager = context.app.job_manager
    stalled = list(await manager.get_stalled_jobs())
    for job in stalled:
        log.warning("job %s (%s) was stalled; queued again", job.id, job.task_name)
        await manager.retry_job(job)
    return len(stalled)


@blueprint.periodic(cron="17 3 * * *")
@blueprint.task(name="jobs.prune_finished", pass_context=True)
async def prune_finished(context: JobContext, timestamp: int) -> None:
    # Failed jobs stay until someone has looked at them (they hold the error).
    await context.app.job_manager.delete_old_jobs(nb_hours=KEEP_FINISHED_HOURS)
