"""PostgreSQL stopped and started again while phones create inspections, punches and
equipment scans: the outage answers 503 `db_unavailable` (never a 500, never a hang),
the pool recovers by itself, and every retried item is stored exactly once."""

from __future__ import annotations

import json
import uuid
from typing import Any

import anyio
import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from api.db.models import Role as R
from tests.faults.clients import Outcome, send_until_stored
from tests.faults.stack import FaultStack
from tests.support import punching
from tests.support.factories import World
from tests.support.hazard_photos import BUS

CLIENTS = 3
ITEMS_PER_CLIENT = 8
OUTAGE_S = 3.0


async def _health(api: httpx.AsyncClient) -> tuple[int, dict[str, Any]]:
    response = await api.get("/health", timeout=10)
    return response.status_code, response.json()


async def test_postgres_restart_mid_run(
    fault_stack: FaultStack,
    fault_api: httpx.AsyncClient,
    fault_world: World,
    fault_engine: AsyncEngine,
) -> None:
    w = fault_world
    admin = w.headers(w.a.users[R.ADMIN])
    worker = w.headers(w.a.users[R.WORKER])
    item = await fault_api.post(
        "/api/equipment",
        json={"site_id": str(w.a.site.id), "name": "Tower crane", "category": "crane"},
        headers=admin,
    )
    assert item.status_code == 201, item.text
    equipment_id = item.json()["id"]
    site = str(w.a.site.id)

    ids: dict[str, list[str]] = {"inspections": [], "punches": [], "equipment_events": []}
    outcomes: list[Outcome] = []
    finished = anyio.Event()

    async def inspection() -> Outcome:
        body = {"id": str(uuid.uuid4()), "site_id": site, "title": "Scaffold check"}
        ids["inspections"].append(body["id"])
        return await send_until_stored(
            "inspection",
            lambda: fault_api.post("/api/inspections", json=body, headers=admin, timeout=15),
        )

    async def punch(kind: str) -> Outcome:
        body = punching.meta(w.a.site, kind=kind)
        ids["punches"].append(body["id"])
        return await send_until_stored(
            "punch",
            lambda: fault_api.post(
                "/api/attendance/punches",
                files={"selfie": ("selfie.jpg", punching.TINY_JPEG, "image/jpeg")},
                data={"meta": json.dumps(body)},
                headers={**worker, "X-Device-Id": body["device_id"]},
                timeout=15,
            ),
        )

    async def scan() -> Outcome:
        body = {"id": str(uuid.uuid4()), "kind": "defect", "note": "Hook latch broken"}
        ids["equipment_events"].append(body["id"])
        return await send_until_stored(
            "scan",
            lambda: fault_api.post(
                f"/api/equipment/{equipment_id}/events", json=body, headers=worker, timeout=15
            ),
        )

    async def client(n: int) -> None:
        for i in range(ITEMS_PER_CLIENT):
            if n == 0:
                outcomes.append(await inspection())
            elif n == 1:
                outcomes.append(await punch("in" if i % 2 == 0 else "out"))
            else:
                outcomes.append(await scan())
            await anyio.sleep(0.4)

    # A worker rides out the outage too: jobs queued after it are still run.
    job_worker = await anyio.to_thread.run_sync(fault_stack.start_worker)
    health_during: list[tuple[int, dict[str, Any]]] = []
    async with anyio.create_task_group() as tg:
        for n in range(CLIENTS):
            tg.start_soon(client, n)
        await anyio.sleep(1.0)
        await anyio.to_thread.run_sync(fault_stack.stop_db)
        await anyio.sleep(OUTAGE_S / 2)
        health_during.append(await _health(fault_api))
        await anyio.sleep(OUTAGE_S / 2)
        await anyio.to_thread.run_sync(fault_stack.start_db)
    finished.set()

    # /health said the database was down, and says ok again without a restart of the API.
    assert health_during[0][0] == 503, health_during
    assert health_during[0][1]["db"] == "down", health_during
    status, body = await _health(fault_api)
    assert (status, body["db"], body["storage"]) == (200, "ok", "ok"), body

    seen = {answer for o in outcomes for answer in o.answers}
    assert all(o.stored for o in outcomes), [o for o in outcomes if not o.stored]
    # The outage was met (else this test proved nothing) and answered with the code.
    assert (503, "db_unavailable") in seen, seen
    assert seen <= {(201, None), (200, None), (503, "db_unavailable")}, seen
    # Nobody hung or lost the connection: the API stayed up and answered.
    assert not [o for o in outcomes if o.errors], [o.errors for o in outcomes if o.errors]

    photo = await fault_api.post(
        "/api/photos",
        files={"file": ("bus.jpg", BUS.read_bytes(), "image/jpeg")},
        data={"meta": json.dumps({"id": str(uuid.uuid4()), "site_id": site})},
        headers=admin,
        timeout=30,
    )
    assert photo.status_code == 201, photo.text
    with anyio.fail_after(60):
        while (await fault_api.get(f"/api/photos/{photo.json()['id']}", headers=admin)).json()[
            "hazard"
        ]["status"] == "pending":
            assert job_worker.alive, job_worker.tail()
            await anyio.sleep(0.2)
    assert job_worker.alive, job_worker.tail()

    async with fault_engine.connect() as conn:
        for table, wanted in ids.items():
            rows = (await conn.execute(text(f"SELECT id::text FROM {table}"))).scalars().all()
            assert sorted(rows) == sorted(wanted), table
