"""The periodic equipment alerts: overdue maintenance and certificates running out become
events once, for the right company."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from api.config import Settings
from api.db.models import Event
from api.domain.equipment.jobs import due_alerts
from api.jobs.app import job_app_open
from api.jobs.worker import run_until_idle
from api.lib.dates import site_today
from tests.support.equipment import R, create_item, event, headers
from tests.support.factories import World


def _days(n: int) -> str:
    return (site_today("Asia/Shanghai") + timedelta(days=n)).isoformat()


async def _run_alerts(settings: Settings) -> None:
    async with job_app_open(settings.db.url):
        await due_alerts.configure().defer_async(timestamp=int(datetime.now(UTC).timestamp()))
    await run_until_idle(settings)


async def _events(engine: AsyncEngine) -> list[tuple[str, str, str]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            select(Event.kind, Event.company_id, Event.payload).order_by(Event.kind)
        )
        return [(kind, str(company), payload["name"]) for kind, company, payload in rows]


async def test_alerts_are_published_once(
    api: httpx.AsyncClient, world: World, engine: AsyncEngine, settings: Settings
) -> None:
    pump = await create_item(api, world, name="Concrete pump")
    plan = await api.post(
        f"/api/equipment/{pump['id']}/maintenance-plans",
        json={"title": "Hydraulic service", "every_days": 30, "next_due_on": _days(-2)},
        headers=headers(world, R.ADMIN),
    )
    await create_item(api, world, name="Hoist", certificate_expires_on=_days(10))
    await create_item(api, world, name="Crane", certificate_expires_on=_days(-1))
    await create_item(api, world, name="Loader", certificate_expires_on=_days(90))
    await create_item(api, world, name="Due today", certificate_expires_on=_days(60))
    today = await create_item(api, world, name="Mixer")
    await api.post(
        f"/api/equipment/{today['id']}/maintenance-plans",
        json={"title": "Drum check", "every_days": 7, "next_due_on": _days(0)},
        headers=headers(world, R.ADMIN),
    )
    theirs = await create_item(api, world, tenant="b", name="Bolt crane")
    await api.post(
        f"/api/equipment/{theirs['id']}/maintenance-plans",
        json={"title": "Service", "every_days": 30, "next_due_on": _days(-5)},
        headers=headers(world, R.ADMIN, "b"),
    )

    await _run_alerts(settings)
    a, b = str(world.a.company.id), str(world.b.company.id)
    assert await _events(engine) == [
        ("equipment.certificate_expired", a, "Crane"),
        ("equipment.certificate_expiring", a, "Hoist"),
        ("equipment.maintenance_overdue", a, "Concrete pump"),
        ("equipment.maintenance_overdue", b, "Bolt crane"),
    ]
    async with engine.connect() as conn:
        payload = await conn.scalar(
            select(Event.payload).where(
                Event.kind == "equipment.maintenance_overdue",
                Event.company_id == world.a.company.id,
            )
        )
    assert payload is not None
    assert payload["days_overdue"] == 2
    assert payload["plan_id"] == plan.json()["id"]
    assert "Hydraulic service" in payload["summary"]

    # Found again an hour later: nothing new.
    await _run_alerts(settings)
    assert len(await _events(engine)) == 4

    # Serviced: the plan is due in 30 days, so no new alert either.
    done = await event(api, world, pump, R.FOREMAN, kind="maintenance")
    assert done.status_code == 201
    await _run_alerts(settings)
    assert len(await _events(engine)) == 4
