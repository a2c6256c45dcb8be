"""The audit trail: recorded for every write, readable by admins, append-only."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from api.db.models import Role
from tests.support.database import RolledBackDatabase
from tests.support.factories import World

pytestmark = pytest.mark.in_process


async def test_writes_are_audited_with_before_and_after(
    api: httpx.AsyncClient, world: World
) -> None:
    admin = world.headers(world.a.users[Role.ADMIN])
    site_id = str(world.a.site.id)
    response = await api.patch(
        f"/api/sites/{site_id}",
        json={"max_accuracy_m": 25},
        headers={**admin, "X-Device-Id": "phone-42", "X-Request-Id": "req-abc"},
    )
    assert response.status_code == 200
    trail = (await api.get(f"/api/audit?entity=site&entity_id={site_id}", headers=admin)).json()
    assert trail["total"] == 1
    entry = trail["items"][0]
    assert entry["action"] == "update"
    assert entry["actor_id"] == str(world.a.users[Role.ADMIN].id)
    assert entry["before"]["max_accuracy_m"] == 50
    assert entry["after"]["max_accuracy_m"] == 25
    assert entry["device_id"] == "phone-42"
    assert entry["request_id"] == "req-abc"
    assert entry["ip"] == "127.0.0.1"


async def test_passwords_never_reach_the_audit_trail(api: httpx.AsyncClient, world: World) -> None:
    admin = world.headers(world.a.users[Role.ADMIN])
    worker = world.a.users[Role.WORKER]
    await api.patch(f"/api/users/{worker.id}", json={"password": "brand-new-secret"}, headers=admin)
    trail = await api.get(f"/api/audit?entity=user&entity_id={worker.id}", headers=admin)
    assert trail.json()["items"][0]["after"]["password_changed"] is True
    assert "password_hash" not in trail.text
    assert "argon2" not in trail.text


async def test_failed_writes_leave_no_audit_entry(api: httpx.AsyncClient, world: World) -> None:
    admin = world.headers(world.a.users[Role.ADMIN])
    bad = await api.patch(
        f"/api/sites/{world.a.site.id}", json={"timezone": "Nowhere/Land"}, headers=admin
    )
    assert bad.status_code == 422
    trail = await api.get(f"/api/audit?entity=site&entity_id={world.a.site.id}", headers=admin)
    assert trail.json()["total"] == 0


async def test_audit_rows_cannot_be_changed_or_deleted(
    api: httpx.AsyncClient, world: World, database: AsyncEngine | RolledBackDatabase
) -> None:
    admin = world.headers(world.a.users[Role.ADMIN])
    await api.patch(f"/api/sites/{world.a.site.id}", json={"name": "x"}, headers=admin)
    for statement in ("UPDATE audit_log SET action = 'forged'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="append-only"):
            async with database.begin() as conn:
                await conn.execute(text(statement))
    async with database.begin() as conn:
        count = await conn.scalar(text("SELECT count(*) FROM audit_log WHERE action = 'update'"))
    assert count == 1
