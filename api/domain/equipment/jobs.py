"""Equipment background work: hourly alerts for overdue maintenance and inspection
certificates running out (see alerts.py).

Hourly rather than daily because sites in different time zones start their days at
different hours; the schedule's `timestamp` is "now", so a late run (a worker that was
down) publishes what the on-time run would have.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import procrastinate

from api.domain.equipment.alerts import publish_due_alerts
from api.jobs.runtime import job_runtime

log = logging.getLogger(__name__)

blueprint = procrastinate.Blueprint()


@blueprint.periodic(cron="13 * * * *")
@blueprint.task(name="equipment.due_alerts", queueing_lock="equipment.due_alerts")
async def due_alerts(timestamp: int) -> int:
    rt = job_runtime()
    async with rt.session() as session:
        published = await publish_due_alerts(session, datetime.fromtimestamp(timestamp, UTC))
        await session.commit()
    if published:
        log.info("published %d equipment alerts", published)
    return published
