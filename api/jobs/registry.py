"""Every area's task blueprint: add one line per area."""

from __future__ import annotations

from procrastinate import Blueprint

from api.domain.attendance import jobs as attendance_jobs
from api.domain.equipment import jobs as equipment_jobs
from api.domain.events import jobs as events_jobs
from api.domain.hazards import jobs as hazard_jobs
from api.domain.photos import jobs as photo_jobs
from api.jobs import housekeeping

# namespace -> blueprint. Task names become "<namespace>:<task name>".
BLUEPRINTS: dict[str, Blueprint] = {
    "jobs": housekeeping.blueprint,
    "attendance": attendance_jobs.blueprint,
    "equipment": equipment_jobs.blueprint,
    "events": events_jobs.blueprint,
    "photos": photo_jobs.blueprint,
    "hazards": hazard_jobs.blueprint,
}
