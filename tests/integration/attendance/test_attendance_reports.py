"""The daily board and the exports, on a site whose day is not the UTC day."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from openpyxl import load_workbook  # type: ignore[import-untyped]
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, async_sessionmaker

from api.db.models import Punch, PunchKind, PunchStatus, Role
from api.domain.attendance.reports import DayPunch, local_day_bounds, summarise_day
from api.domain.attendance.schemas import DayStatus
from tests.support.factories import PASSWORD, World, square, unique

pytestmark = pytest.mark.in_process

R = Role
NEW_YORK = ZoneInfo("America/New_York")
DAY = date(2026, 11, 17)  # a Tuesday; New York is UTC-5 in November
EVIL = '=HYPERLINK("http://evil.example/x","Pay")'


async def _site_with_crew(api: httpx.AsyncClient, world: World) -> dict[str, Any]:
    admin = world.headers(world.a.users[R.ADMIN])
    site = await api.post(
        "/api/sites",
        json={
            "name": "Hudson yard",
            "geofence": square(-74.01, 40.70),
            "timezone": "America/New_York",
            "shift_start": "07:00:00",
            # In the project of company A's manager, who then sees the site.
            "project_id": str(world.a.project.id),
        },
        headers=admin,
    )
    assert site.status_code == 201, site.text
    crew = await api.post(
        "/api/crews",
        json={
            "site_id": site.json()["id"],
            "name": "Steel",
            "foreman_id": str(world.a.users[R.FOREMAN].id),
        },
        headers=admin,
    )
    assert crew.status_code == 201, crew.text
    people = {}
    for name in ("Ana", "Ben", "Cai", "Dee", "Eve", EVIL):
        user = await api.post(
            "/api/users",
            json={
                "name": name,
                "role": "worker",
                "password": PASSWORD,
                "login": unique("w-"),
                "crew_id": crew.json()["id"],
            },
            headers=admin,
        )
        assert user.status_code == 201, user.text
        people[name] = uuid.UUID(user.json()["id"])
    return {"site": uuid.UUID(site.json()["id"]), "crew": crew.json()["id"], "people": people}


def _local(day: date, hh: int, mm: int) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=NEW_YORK)


async def _insert(
    bind: AsyncEngine | AsyncConnection,
    world: World,
    site_id: uuid.UUID,
    rows: list[tuple[uuid.UUID, str, datetime, PunchStatus]],
) -> None:
    """Punches as the API would have stored them, with chosen verdicts."""
    maker = async_sessionmaker(
        bind, expire_on_commit=False, join_transaction_mode="create_savepoint"
    )
    async with maker() as session, session.begin():
        for user_id, kind, at, status in rows:
            session.add(
                Punch(
                    id=uuid.uuid4(),
                    company_id=world.a.company.id,
                    site_id=site_id,
                    user_id=user_id,
                    kind=PunchKind(kind),
                    status=status,
                    reasons=[] if status is PunchStatus.ACCEPTED else ["gps_inaccurate"],
                    checks={},
                    lat=40.701,
                    lon=-74.009,
                    accuracy_m=10.0,
                    captured_at=at,
                    received_at=at,
                    age_s=0,
                    device_id="phone",
                    distance_m=0.0,
                    face_distance=0.31,
                )
            )


async def _seed(
    api: httpx.AsyncClient, world: World, bind: AsyncEngine | AsyncConnection
) -> dict[str, Any]:
    setup = await _site_with_crew(api, world)
    p = setup["people"]
    ok, review = PunchStatus.ACCEPTED, PunchStatus.REVIEW
    await _insert(
        bind,
        world,
        setup["site"],
        [
            (p["Ana"], "in", _local(DAY, 6, 55), ok),
            (p["Ana"], "out", _local(DAY, 15, 30), ok),
            (p["Ben"], "in", _local(DAY, 7, 25), ok),
            (p["Ben"], "out", _local(DAY, 16, 0), ok),
            (p["Cai"], "in", _local(DAY, 7, 5), ok),
            # 21:00 on the 16th in New York is already the 17th in UTC.
            (p["Dee"], "in", _local(date(2026, 11, 16), 21, 0), ok),
            (p["Eve"], "in", _local(DAY, 7, 0), ok),
            (p["Eve"], "out", _local(DAY, 15, 0), review),
            (p[EVIL], "in", _local(DAY, 6, 50), ok),
            (p[EVIL], "out", _local(DAY, 14, 50), ok),
        ],
    )
    return setup


async def test_daily_board_in_the_sites_timezone(
    api: httpx.AsyncClient, world: World, bind: AsyncEngine | AsyncConnection
) -> None:
    setup = await _seed(api, world, bind)
    response = await api.get(
        f"/api/attendance/daily?site_id={setup['site']}&date={DAY.isoformat()}",
        headers=world.headers(world.a.users[R.MANAGER]),
    )
    assert response.status_code == 200, response.text
    board = response.json()
    assert board["timezone"] == "America/New_York"
    assert board["shift_start"] == "07:00:00"
    assert board["working_day"] is True
    rows = {r["name"]: r for r in board["rows"]}
    # The crew's foreman is on the board too (no punch: absent).
    assert rows[world.a.users[R.FOREMAN].name]["status"] == "absent"

    ana = rows["Ana"]
    assert (ana["status"], ana["worked_minutes"], ana["late_minutes"]) == ("present", 515, 0)
    assert ana["first_in"] == "2026-11-17T06:55:00-05:00"
    assert ana["last_out"] == "2026-11-17T15:30:00-05:00"
    ben = rows["Ben"]
    assert (ben["status"], ben["late_minutes"], ben["worked_minutes"]) == ("late", 25, 515)
    cai = rows["Cai"]
    assert (cai["status"], cai["anomalies"]) == ("anomaly", ["missing_out"])
    assert cai["late_minutes"] == 0  # 5 minutes is within the 10-minute grace
    assert rows["Dee"]["status"] == "absent"
    assert rows["Dee"]["punches"] == 0
    eve = rows["Eve"]
    assert (eve["status"], eve["anomalies"]) == ("anomaly", ["in_review"])
    assert eve["worked_minutes"] == 480  # a punch in review still counts towards time
    assert board["counts"] == {"present": 2, "late": 1, "absent": 2, "anomaly": 2}

    # The evening before, Dee's 21:00 "in" is that day's, never closed.
    before = await api.get(
        f"/api/attendance/daily?site_id={setup['site']}&date=2026-11-16",
        headers=world.headers(world.a.users[R.MANAGER]),
    )
    dee = {r["name"]: r for r in before.json()["rows"]}["Dee"]
    assert (dee["status"], dee["anomalies"]) == ("anomaly", ["missing_out"])


async def test_daily_board_refusals(api: httpx.AsyncClient, world: World) -> None:
    manager = world.headers(world.a.users[R.MANAGER])
    bad_date = await api.get(
        f"/api/attendance/daily?site_id={world.a.site.id}&date=2026-13-01", headers=manager
    )
    assert bad_date.status_code == 400
    other = await api.get(
        f"/api/attendance/daily?site_id={world.b.site.id}&date=2026-11-01", headers=manager
    )
    assert (other.status_code, other.json()["code"]) == (404, "site_not_found")
    worker = await api.get(
        f"/api/attendance/daily?site_id={world.a.site.id}&date=2026-11-01",
        headers=world.headers(world.a.users[R.WORKER]),
    )
    assert worker.status_code == 403


async def test_csv_export_parses_back_and_defuses_formulas(
    api: httpx.AsyncClient, world: World, bind: AsyncEngine | AsyncConnection
) -> None:
    setup = await _seed(api, world, bind)
    response = await api.get(
        f"/api/attendance/export?site_id={setup['site']}&from=2026-11-17&to=2026-11-17&format=csv",
        headers=world.headers(world.a.users[R.ADMIN]),
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"] == (
        'attachment; filename="attendance_2026-11-17_2026-11-17.csv"'
    )
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    # Dee's punch is on the 16th in New York, whatever its UTC date.
    assert len(rows) == 9
    assert {r["worker"] for r in rows} == {"Ana", "Ben", "Cai", "Eve", "'" + EVIL}
    first = rows[0]
    assert (first["date"], first["time"], first["kind"]) == ("2026-11-17", "06:50:00", "in")
    ana_out = next(r for r in rows if r["worker"] == "Ana" and r["kind"] == "out")
    assert ana_out["time"] == "15:30:00"
    assert ana_out["status"] == "accepted"
    eve_out = next(r for r in rows if r["worker"] == "Eve" and r["kind"] == "out")
    assert (eve_out["status"], eve_out["reasons"]) == ("review", "gps_inaccurate")


async def test_xlsx_export_parses_back_with_typed_cells(
    api: httpx.AsyncClient, world: World, bind: AsyncEngine | AsyncConnection
) -> None:
    setup = await _seed(api, world, bind)
    response = await api.get(
        f"/api/attendance/export?site_id={setup['site']}&from=2026-11-16&to=2026-11-17&format=xlsx",
        headers=world.headers(world.a.users[R.MANAGER]),
    )
    assert response.status_code == 200, response.text
    assert "spreadsheetml" in response.headers["content-type"]
    assert response.headers["content-disposition"].endswith('.xlsx"')
    book = load_workbook(io.BytesIO(response.content))
    sheet = book.worksheets[0]
    assert sheet.title == "Hudson yard"
    values = list(sheet.iter_rows(values_only=True))
    header, data = values[0], values[1:]
    assert header[:4] == ("date", "time", "worker", "login")
    assert len(data) == 10
    dee = next(row for row in data if row[2] == "Dee")
    assert dee[0].date() == date(2026, 11, 16)  # openpyxl reads dates back as datetimes
    assert dee[1] == time(21, 0)
    evil_cells = [c for row in sheet.iter_rows() for c in row if str(c.value).endswith('"Pay")')]
    # Their "in" and their "out": text that shows the formula, never runs it.
    assert [c.value for c in evil_cells] == ["'" + EVIL] * 2
    assert all(c.data_type == "s" for c in evil_cells)
    distances = [row[header.index("face_distance")] for row in data]
    assert all(d == 0.31 for d in distances)


async def test_export_refuses_bad_ranges(api: httpx.AsyncClient, world: World) -> None:
    admin = world.headers(world.a.users[R.ADMIN])
    base = f"/api/attendance/export?site_id={world.a.site.id}"
    backwards = await api.get(f"{base}&from=2026-11-17&to=2026-11-01", headers=admin)
    assert (backwards.status_code, backwards.json()["code"]) == (422, "range_invalid")
    too_long = await api.get(f"{base}&from=2026-01-01&to=2026-12-31", headers=admin)
    assert (too_long.status_code, too_long.json()["code"]) == (422, "range_invalid")
    bad_format = await api.get(f"{base}&from=2026-11-01&to=2026-11-02&format=pdf", headers=admin)
    assert bad_format.status_code == 400
    empty = await api.get(f"{base}&from=2026-11-01&to=2026-11-02", headers=admin)
    assert empty.status_code == 200
    assert empty.content.decode("utf-8-sig").strip().startswith("date,time,worker")


def test_day_bounds_follow_daylight_saving() -> None:
    # 2026-03-08: New York springs forward, the day has 23 hours.
    start, end = (t.astimezone(UTC) for t in local_day_bounds(date(2026, 3, 8), NEW_YORK))
    assert (end - start).total_seconds() == 23 * 3600
    assert (start.hour, end.hour) == (5, 4)


def test_summary_rules() -> None:
    shift = _local(DAY, 7, 0)

    def p(kind: str, hh: int, mm: int, status: PunchStatus = PunchStatus.ACCEPTED) -> DayPunch:
        return DayPunch(PunchKind(kind), status, _local(DAY, hh, mm))

    # A double "in" is a double tap, not a second shift.
    s = summarise_day([p("in", 7, 0), p("in", 7, 2), p("out", 12, 0)], shift, 10, True)
    assert (s.status, s.worked_minutes) == (DayStatus.PRESENT, 300)
    # Split shift: two pairs.
    s = summarise_day(
        [p("in", 7, 0), p("out", 11, 0), p("in", 12, 0), p("out", 16, 0)], shift, 10, True
    )
    assert s.worked_minutes == 480
    # An "out" with nothing open.
    s = summarise_day([p("out", 16, 0)], shift, 10, True)
    assert (s.status, s.anomalies) == (DayStatus.ANOMALY, ["missing_in"])
    # Still on site today: an open "in" is no anomaly until the day is over.
    s = summarise_day([p("in", 7, 0)], shift, 10, False)
    assert s.status is DayStatus.PRESENT
    # A rejected punch flags the day and counts for nothing.
    s = summarise_day([p("in", 6, 0, PunchStatus.REJECTED)], shift, 10, True)
    assert (s.status, s.anomalies, s.first_in) == (DayStatus.ANOMALY, ["rejected_punch"], None)
    # Exactly at the end of the grace period is still on time; a minute later is late.
    assert summarise_day([p("in", 7, 10)], shift, 10, False).status is DayStatus.PRESENT
    late = summarise_day([p("in", 7, 11)], shift, 10, False)
    assert (late.status, late.late_minutes) == (DayStatus.LATE, 11)
    assert summarise_day([], shift, 10, True).status is DayStatus.ABSENT
