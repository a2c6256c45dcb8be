"""Queue depth, counted from procrastinate's table when metrics are scraped.

Counting at scrape time (not on every defer) keeps deferring as cheap as before and is
right across processes: every API replica and worker reads the same table, so a
dashboard takes `max by (queue, status)` of `sitecheck_job_queue_depth`. Only waiting
and running jobs are counted: both are served by procrastinate's own status indexes,
while finished jobs (kept a week) would make the count grow with history.
"""

from __future__ import annotations

import logging

import anyio
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from api.jobs.app import job_app
from api.server.metrics import JOB_QUEUE_DEPTH

log = logging.getLogger(__name__)

COUNTED_STATUSES = ("todo", "doing")
# A scrape must not hang on a busy database; the database stops the count as well.
DEPTH_TIMEOUT_S = 2.0

_COUNT = text(
    "SELECT queue_name, status::text, count(*) FROM procrastinate_jobs"
    " WHERE status IN ('todo', 'doing') GROUP BY queue_name, status"
)


def known_queues() -> set[str]:
    """Queues of the registered tasks: they are reported even when empty (a 0, not a
    missing series, is what an alert on a backlog needs)."""
    return {task.queue for task in job_app.tasks.values()}


async def refresh_queue_depth(engine: AsyncEngine) -> bool:
    """Set the gauge from the table; False (gauge cleared, never stale numbers) when the
    database did not answer in time."""
    try:
        with anyio.fail_after(DEPTH_TIMEOUT_S):
            async with engine.connect() as conn:
                await conn.execute(text("SET LOCAL statement_timeout = 2000"))
                rows = (await conn.execute(_COUNT)).all()
    except Exception:
        log.warning("queue depth not counted: database unavailable", exc_info=True)
        JOB_QUEUE_DEPTH.clear()
        return False
    counts = {(str(queue), str(status)): int(n) for queue, status, n in rows}
    for queue in known_queues() | {q for q, _ in counts}:
        for status in COUNTED_STATUSES:
            JOB_QUEUE_DEPTH.labels(queue, status).set(counts.get((queue, status), 0))
    return True
