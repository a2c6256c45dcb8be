"""The daily board and the punch export, both in the site's own timezone.

Day status, for each crew member of the site (and anyone else who punched there):

- `anomaly`: a punch still in review or rejected, an "out" with no "in" before it, or
  an "in" never closed by an "out" once the day is over: something a foreman should
  look at before the day counts;
- `late`: first accepted "in" after the site's shift start plus the grace period;
- `present`: otherwise, when the worker has any counted punch;
- `absent`: no punch at all.

Only accepted and in-review punches count towards times; rejected ones only flag the
day. Worked minutes pair each "in" with the next "out" (a second "in" while one is
open is ignored: a double tap, not a new shift).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from api.config import Settings
from api.db.models import Crew, Punch, PunchKind, PunchStatus, Role, User
from api.db.models.base import utcnow
from api.domain.attendance.schemas import DailyBoard, DailyRow, DayStatus
from api.lib.authz import get_visible_site
from api.lib.context import Actor
from api.lib.errors import Invalid

# A quarter is the longest a payroll period plausibly needs in one file.
MAX_EXPORT_DAYS = 92


@dataclass(frozen=True)
class DayPunch:
    kind: PunchKind
    status: PunchStatus
    captured_at: datetime


@dataclass(frozen=True)
class DaySummary:
    status: DayStatus
    first_in: datetime | None
    last_out: datetime | None
    worked_minutes: int
    late_minutes: int
    anomalies: list[str]


def local_day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    # Each midnight on its own: a DST day is 23 or 25 hours long.
    return (
        datetime.combine(day, time(0), tzinfo=tz),
        datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz),
    )


def summarise_day(
    punches: Sequence[DayPunch], shift_start: datetime, grace_min: int, day_over: bool
) -> DaySummary:
    ordered = sorted(punches, key=lambda p: p.captured_at)
    counted = [p for p in ordered if p.status is not PunchStatus.REJECTED]
    anomalies: list[str] = []
    if any(p.status is PunchStatus.REVIEW for p in ordered):
        anomalies.append("in_review")
    if len(counted) < len(ordered):
        anomalies.append("rejected_punch")

    worked = timedelta()
    open_in: datetime | None = None
    missing_in = False
    for p in counted:
        if p.kind is PunchKind.IN:
            open_in = open_in or p.captured_at
        elif open_in is not None:
            worked += p.captured_at - open_in
            open_in = None
        else:
            missing_in = True
    if missing_in:
        anomalies.append("missing_in")
    if open_in is not None and day_over:
        anomalies.append("missing_out")

    ins = [p.captured_at for p in counted if p.kind is PunchKind.IN]
    outs = [p.captured_at for p in counted if p.kind is PunchKind.OUT]
    first_in = min(ins) if ins else None
    late_by = (first_in - shift_start) if first_in else timedelta()
    late_minutes = (
        int(late_by.total_seconds() // 60) if late_by > timedelta(minutes=grace_min) else 0
    )

    if anomalies:
        status = DayStatus.ANOMALY
    elif not counted:
        status = DayStatus.ABSENT
    elif late_minutes:
        status = DayStatus.LATE
    else:
        status = DayStatus.PRESENT
    return DaySummary(
        status=status,
        first_in=first_in,
        last_out=max(outs) if outs else None,
        worked_minutes=int(worked.total_seconds() // 60),
        late_minutes=late_minutes,
        anomalies=anomalies,
    )


async def daily_board(
    session: AsyncSession, actor: Actor, settings: Settings, site_id: uuid.UUID, day: date
) -> DailyBoard:
    site = await get_visible_site(session, actor, site_id)
    tz = ZoneInfo(site.timezone)
    start, end = local_day_bounds(day, tz)

    crews = select(Crew.id).where(Crew.site_id == site.id)
    foremen = select(Crew.foreman_id).where(Crew.site_id == site.id)
    punches_q = select(Punch).where(
        Punch.site_id == site.id, Punch.captured_at >= start, Punch.captured_at < end
    )
    if actor.role is Role.FOREMAN:
        # A foreman's board shows their own crews.
        crews = crews.where(Crew.foreman_id == actor.id)
        foremen = foremen.where(Crew.foreman_id == actor.id)
        punches_q = punches_q.where(
            or_(
                Punch.user_id == actor.id,
                Punch.user_id.in_(select(User.id).where(User.crew_id.in_(crews))),
            )
        )
    punches = list(await session.scalars(punches_q))
    by_user: dict[uuid.UUID, list[DayPunch]] = defaultdict(list)
    for p in punches:
        by_user[p.user_id].append(DayPunch(p.kind, p.status, p.captured_at))

    people = await session.scalars(
        select(User)
        .where(
            User.company_id == site.company_id,
            or_(
                User.is_active & (User.crew_id.in_(crews) | User.id.in_(foremen)),
                User.id.in_(list(by_user)),
            ),
        )
        .order_by(User.name, User.id)
    )
    shift_start = datetime.combine(day, site.shift_start, tzinfo=tz)
    day_over = utcnow() >= end
    rows = []
    counts = {s.value: 0 for s in DayStatus}
    for person in people:
        summary = summarise_day(
            by_user.get(person.id, []), shift_start, settings.attendance.late_grace_min, day_over
        )
        counts[summary.status.value] += 1
        rows.append(
            DailyRow(
                user_id=person.id,
                name=person.name,
                crew_id=person.crew_id,
                status=summary.status,
                first_in=summary.first_in.astimezone(tz) if summary.first_in else None,
                last_out=summary.last_out.astimezone(tz) if summary.last_out else None,
                worked_minutes=summary.worked_minutes,
                late_minutes=summary.late_minutes,
                punches=len(by_user.get(person.id, [])),
                anomalies=summary.anomalies,
            )
        )
    return DailyBoard(
        site_id=site.id,
        date=day,
        timezone=site.timezone,
        shift_start=site.shift_start,
        grace_min=settings.attendance.late_grace_min,
        working_day=day.isoweekday() in settings.attendance.working_days,
        counts=counts,
        rows=rows,
    )


EXPORT_HEADER = [
    "date",
    "time",
    "worker",
    "login",
    "kind",
    "status",
    "reasons",
    "distance_m",
    "accuracy_m",
    "face_distance",
    "age_s",
    "device_id",
    "cosigned_by",
    "reviewed_by",
    "review_note",
    "punch_id",
]


@dataclass(frozen=True)
class ExportData:
    site_name: str
    timezone: str
    rows: list[list[Any]]


async def export_rows(
    session: AsyncSession, actor: Actor, site_id: uuid.UUID, first: date, last: date
) -> ExportData:
    if last < first:
        raise Invalid("`to` is before `from`", code="range_invalid")
    if (last - first).days + 1 > MAX_EXPORT_DAYS:
        raise Invalid(f"at most {MAX_EXPORT_DAYS} days per export", code="range_invalid")
    site = await get_visible_site(session, actor, site_id)
    tz = ZoneInfo(site.timezone)
    start, _ = local_day_bounds(first, tz)
    _, end = local_day_bounds(last, tz)
    worker, cosigner, reviewer = aliased(User), aliased(User), aliased(User)
    result = await session.execute(
        select(Punch, worker.name, worker.login, cosigner.name, reviewer.name)
        .join(worker, worker.id == Punch.user_id)
        .outerjoin(cosigner, cosigner.id == Punch.cosigned_by)
        .outerjoin(reviewer, reviewer.id == Punch.reviewed_by)
        .where(Punch.site_id == site.id, Punch.captured_at >= start, Punch.captured_at < end)
        .order_by(Punch.captured_at, Punch.id)
    )
    rows = []
    for punch, name, login, cosigned, reviewed in result:
        local = punch.captured_at.astimezone(tz)
        rows.append(
            [
                local.date(),
                local.time().replace(microsecond=0),
                name,
                login,
                punch.kind.value,
                punch.status.value,
                " ".join(punch.reasons),
                punch.distance_m,
                punch.accuracy_m,
                punch.face_distance,
                punch.age_s,
                punch.device_id,
                cosigned,
                reviewed,
                punch.review_note,
                str(punch.id),
            ]
        )
    return ExportData(site_name=site.name, timezone=site.timezone, rows=rows)
