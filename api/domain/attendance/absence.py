"""Absence alerts: a crew member with no punch on `absence_alert_days` consecutive working
days (Mon-Sat by default, `working_days`) gets one `attendance.absent` event per streak.

A streak starts on the first working day after the worker's last counted punch (or
after they were created, for someone who never punched) and is counted up to
yesterday in the site's timezone: today is not over yet. The event's dedupe key names
the worker and that first day, so the hourly job publishes each streak exactly once;
the next punch ends the streak, and a later absence is a new one. Rejected punches do
not end a streak (a buddy punch proves nothing about the worker).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.config import Settings
from api.db.models import Company, Crew, Punch, PunchStatus, Site, User
from api.domain.alerts.outbox import publish

KIND = "attendance.absent"


@dataclass(frozen=True)
class Streak:
    since: date
    working_days: int


def working_days_between(first: date, last: date, working_days: tuple[int, ...]) -> Iterator[date]:
    day = first
    while day <= last:
        if day.isoweekday() in working_days:
            yield day
        day += timedelta(days=1)


def absence_streak(
    last_seen: date | None,
    created: date,
    today: date,
    working_days: tuple[int, ...],
    threshold: int,
) -> Streak | None:
    """The current streak if it reached `threshold` working days, else None."""
    start = last_seen + timedelta(days=1) if last_seen is not None else created
    days = working_days_between(start, today - timedelta(days=1), working_days)
    since = next(days, None)
    if since is None:
        return None
    count = 1 + sum(1 for _ in days)
    return Streak(since=since, working_days=count) if count >= threshold else None


async def publish_absences(session: AsyncSession, settings: Settings, now: datetime) -> int:
    """Publish the streaks that reached the threshold; returns how many were new."""
    last_punch = (
        select(func.max(Punch.captured_at))
        .where(Punch.user_id == User.id, Punch.status != PunchStatus.REJECTED)
        .scalar_subquery()
    )
    rows = await session.execute(
        select(User, Site, last_punch)
        .join(Crew, Crew.id == User.crew_id)
        .join(Site, Site.id == Crew.site_id)
        .join(Company, Company.id == User.company_id)
        .where(User.is_active, Site.is_active, Company.is_active)
    )
    published = 0
    for user, site, last_at in rows:
        tz = ZoneInfo(site.timezone)
        streak = absence_streak(
            last_at.astimezone(tz).date() if last_at else None,
            user.created_at.astimezone(tz).date(),
            now.astimezone(tz).date(),
            settings.attendance.working_days,
            settings.attendance.absence_alert_days,
        )
        if streak is None:
            continue
        event = await publish(
            session,
            company_id=site.company_id,
            kind=KIND,
            site_id=site.id,
            dedupe_key=f"{KIND}:{user.id}:{streak.since.isoformat()}",
            payload=_payload(user, site, streak, last_at),
        )
        published += event is not None
    return published


def _payload(user: User, site: Site, streak: Streak, last_at: datetime | None) -> dict[str, object]:
    return {
        "title": "缺勤提醒 Absence alert",
        "summary": (
            f"{user.name} has not punched in at {site.name} since {streak.since.isoformat()}"
            f" ({streak.working_days} working days)"
        ),
        "user_id": str(user.id),
        "name": user.name,
        "crew_id": str(user.crew_id) if user.crew_id else None,
        "site_name": site.name,
        "since": streak.since.isoformat(),
        "working_days": streak.working_days,
        "last_punch_at": last_at.isoformat() if last_at else None,
    }
