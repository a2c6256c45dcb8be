"""Every area's task blueprint: add one line per area.

The registry imports the domains' task modules, never the other way round: a domain
asks for its jobs through api/jobs/enqueue.py, by the task object it defines itself.
"""

from __future__ import annotations

from procrastinate import Blueprint

from api.domain.alerts import jobs as alert_jobs
from api.domain.attendance import jobs as attendance_jobs
from api.domain.equipment import jobs as equipment_jobs
from api.domain.hazards import jobs as hazard_jobs
from api.domain.photos import jobs as photo_jobs
from api.jobs import housekeeping

# namespace -> blueprint. Task names become "<namespace>:<task name>". They are stored
# with every queued job, so a namespace outlives a rename of its package (the alerts'
# is still "events"): a renamed one would leave waiting jobs nobody runs.
BLUEPRINTS: dict[str, Blueprint] = {
    "jobs": housekeeping.blueprint,
    "attendance": attendance_jobs.blueprint,
    "equipment": equipment_jobs.blueprint,
    "events": alert_jobs.blueprint,
    "photos": photo_jobs.blueprint,
    "hazards": hazard_jobs.blueprint,
}
