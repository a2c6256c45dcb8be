"""Offline replays: the same client id never creates two rows, even when racing."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from api.db.models import Crew, IdempotencyKey, Role, Site
from tests.support.factories import World, square


async def _count(engine: AsyncEngine, model: Any, ident: uuid.UUID) -> int:
    async with engine.connect() as conn:
        count = await conn.scalar(select(func.count()).select_from(model).where(model.id == ident))
    return int(count or 0)


async def test_replay_returns_the_first_response(
    api: httpx.AsyncClient, world: World, engine: AsyncEngine
) -> None:
    headers = world.headers(world.a.users[Role.ADMIN])
    body = {
        "id": str(uuid.uuid4()),
        "name": "Gate B",
        "geofence": square(116.7, 39.9),
        "timezone": "Asia/Shanghai",
    }
    first = await api.post("/api/sites", json=body, headers=headers)
    assert first.status_code == 201
    # Same content with keys in another order is the same request.
    again = await api.post("/api/sites", json=dict(reversed(list(body.items()))), headers=headers)
    assert again.status_code == 200
    assert again.json() == first.json()
    assert await _count(engine, Site, uuid.UUID(str(body["id"]))) == 1


async def test_same_id_different_content_is_a_conflict(
    api: httpx.AsyncClient, world: World, engine: AsyncEngine
) -> None:
    headers = world.headers(world.a.users[Role.ADMIN])
    body = {"id": str(uuid.uuid4()), "site_id": str(world.a.site.id), "name": "Formwork"}
    assert (await api.post("/api/crews", json=body, headers=headers)).status_code == 201
    clash = await api.post("/api/crews", json={**body, "name": "Scaffold"}, headers=headers)
    assert clash.status_code == 409
    assert clash.json()["code"] == "id_conflict"
    assert await _count(engine, Crew, uuid.UUID(str(body["id"]))) == 1


async def test_another_company_cannot_read_a_replay(api: httpx.AsyncClient, world: World) -> None:
    body = {
        "id": str(uuid.uuid4()),
        "name": "Gate C",
        "geofence": square(116.8, 39.9),
        "timezone": "Asia/Shanghai",
    }
    ok = await api.post("/api/sites", json=body, headers=world.headers(world.a.users[Role.ADMIN]))
    assert ok.status_code == 201
    stolen = await api.post(
        "/api/sites", json=body, headers=world.headers(world.b.users[Role.ADMIN])
    )
    assert stolen.status_code == 409
    assert "Gate C" not in stolen.text


async def test_racing_identical_requests_create_one_row(
    api: httpx.AsyncClient, world: World, engine: AsyncEngine
) -> None:
    headers = world.headers(world.a.users[Role.ADMIN])
    for _ in range(3):
        body = {
            "id": str(uuid.uuid4()),
            "name": "Race",
            "geofence": square(116.9, 39.9),
            "timezone": "Asia/Shanghai",
        }
        responses = await asyncio.gather(
            *(api.post("/api/sites", json=body, headers=headers) for _ in range(8))
        )
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [200] * 7 + [201], [r.text for r in responses]
        assert all(r.json() == responses[0].json() for r in responses)
        assert await _count(engine, Site, uuid.UUID(str(body["id"]))) == 1
        assert await _count(engine, IdempotencyKey, uuid.UUID(str(body["id"]))) == 1


async def test_failed_create_leaves_the_id_free(
    api: httpx.AsyncClient, world: World, engine: AsyncEngine
) -> None:
    headers = world.headers(world.a.users[Role.ADMIN])
    ident = str(uuid.uuid4())
    bad = {
        "id": ident,
        "name": "Bad",
        "geofence": {"type": "Polygon", "coordinates": []},
        "timezone": "UTC",
    }
    assert (await api.post("/api/sites", json=bad, headers=headers)).status_code == 422
    good = {**bad, "geofence": square(117.0, 39.9)}
    assert (await api.post("/api/sites", json=good, headers=headers)).status_code == 201
