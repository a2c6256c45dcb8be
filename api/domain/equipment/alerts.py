"""Alerts for equipment that needs attention, published through the shared events
(api/domain/alerts/outbox.py, which fans them out to the company's webhooks):

- `equipment.maintenance_overdue`: a maintenance plan's due date has passed;
- `equipment.certificate_expiring` / `equipment.certificate_expired`: an inspection
  certificate runs out within EXPIRING_WITHIN_DAYS days, or has.

Each is published once per plan and due date (or item, expiry date and state): the
periodic job may find the same overdue plan every hour, and after maintenance resets
the date, the next lapse is a new alert. Days are counted in each site's calendar.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.db.models import Equipment, MaintenancePlan, Site
from api.domain.alerts.outbox import publish
from api.lib.dates import EXPIRING_WITHIN_DAYS, site_today


async def publish_due_alerts(session: AsyncSession, now: datetime) -> int:
    """Publish what is due at `now`, for every company; returns how many alerts are new."""
    # The latest calendar day any site can be on at `now`; each row is judged in its own.
    latest_day = (now + timedelta(days=1)).date()
    published = 0
    plans = await session.execute(
        select(
            MaintenancePlan.id,
            MaintenancePlan.title,
            MaintenancePlan.next_due_on,
            Equipment.id,
            Equipment.code,
            Equipment.name,
            Equipment.company_id,
            Site.id,
            Site.name,
            Site.timezone,
        )
        .join(Equipment, Equipment.id == MaintenancePlan.equipment_id)
        .join(Site, Site.id == Equipment.site_id)
        .where(
            MaintenancePlan.is_active,
            Equipment.is_active,
            MaintenancePlan.next_due_on < latest_day,
        )
    )
    for plan_id, title, due_on, eq_id, code, name, company_id, site_id, site_name, tz in plans:
        overdue = (site_today(tz, now) - due_on).days
        if overdue <= 0:
            continue
        event = await publish(
            session,
            company_id=company_id,
            site_id=site_id,
            kind="equipment.maintenance_overdue",
            dedupe_key=f"equipment.maintenance_overdue:{plan_id}:{due_on.isoformat()}",
            payload={
                "title": f"Maintenance overdue: {name}",
                "summary": f"{title} on {name} ({code}) at {site_name} was due {due_on} "
                f"({overdue} days ago).",
                **_item(eq_id, code, name, site_name),
                "plan_id": str(plan_id),
                "plan_title": title,
                "due_on": due_on.isoformat(),
                "days_overdue": overdue,
            },
        )
        published += event is not None
    certificates = await session.execute(
        select(
            Equipment.id,
            Equipment.code,
            Equipment.name,
            Equipment.certificate_no,
            Equipment.certificate_expires_on,
            Equipment.company_id,
            Site.id,
            Site.name,
            Site.timezone,
        )
        .join(Site, Site.id == Equipment.site_id)
        .where(
            Equipment.is_active,
            Equipment.certificate_expires_on <= latest_day + timedelta(days=EXPIRING_WITHIN_DAYS),
        )
    )
    for eq_id, code, name, number, expires_on, company_id, site_id, site_name, tz in certificates:
        assert expires_on is not None  # the WHERE compared it
        days_left = (expires_on - site_today(tz, now)).days
        if days_left > EXPIRING_WITHIN_DAYS:
            continue
        state = "expired" if days_left < 0 else "expiring"
        certificate = f"inspection certificate {number}" if number else "inspection certificate"
        when = f"expired on {expires_on}" if days_left < 0 else f"expires on {expires_on}"
        event = await publish(
            session,
            company_id=company_id,
            site_id=site_id,
            kind=f"equipment.certificate_{state}",
            dedupe_key=f"equipment.certificate_{state}:{eq_id}:{expires_on.isoformat()}",
            payload={
                "title": f"Certificate {state}: {name}",
                "summary": f"The {certificate} of {name} ({code}) at {site_name} {when}.",
                **_item(eq_id, code, name, site_name),
                "certificate_no": number,
                "expires_on": expires_on.isoformat(),
                "days_left": days_left,
            },
        )
        published += event is not None
    return published


def _item(equipment_id: Any, code: str, name: str, site_name: str) -> dict[str, Any]:
    return {
        "equipment_id": str(equipment_id),
        "code": code,
        "name": name,
        "site_name": site_name,
    }
