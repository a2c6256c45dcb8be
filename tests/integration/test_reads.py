"""Reads that bypass the session (api/lib/reads.py) and the pool's idle-connection ping
(api/db/pool.py), against the real PostgreSQL."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from sqlalchemy import bindparam, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from api.db.models import Equipment, EquipmentEvent, MaterialBatch, Role
from api.db.pool import ping_when_idle
from api.domain.equipment.ledger import ledger_query, open_defect_filter
from api.domain.materials.services import batch_query
from api.lib.context import Actor
from api.lib.reads import PreparedRead
from tests.support.equipment import create_batch, create_item, headers
from tests.support.factories import World


def _actor(world: World, role: Role) -> Actor:
    return Actor(user=world.a.users[role])


async def _through_session(
    engine: AsyncEngine, statement: Any, **values: Any
) -> list[dict[str, Any]]:
    async with engine.connect() as conn:
        return [dict(row._mapping) for row in await conn.execute(statement, values)]


async def test_prepared_reads_return_what_sqlalchemy_returns(
    api: httpx.AsyncClient, world: World, engine: AsyncEngine
) -> None:
    item = await create_item(api, world)
    batch = await create_batch(api, world)
    theirs = await create_item(api, world, tenant="b")
    defect = await api.post(
        f"/api/equipment/{item['id']}/events",
        json={"kind": "defect", "note": "hydraulic leak"},
        headers=headers(world, Role.WORKER),
    )
    assert defect.status_code == 201, defect.text
    for role in (Role.ADMIN, Role.WORKER):
        actor = _actor(world, role)
        items = ledger_query(actor).where(Equipment.code == bindparam("code"))
        batches = batch_query(actor).where(MaterialBatch.code == bindparam("code"))
        for statement, code in ((items, item["code"]), (batches, batch["code"])):
            expected = await _through_session(engine, statement, code=code)
            assert len(expected) == 1
            assert await PreparedRead(statement).all(engine, code=code) == expected
        # Row scope is the statement's: another company's code finds nothing.
        assert await PreparedRead(items).first(engine, code=theirs["code"]) is None
    # An enum compared in the statement (the defect kind) is bound as SQLAlchemy binds it.
    defects = select(EquipmentEvent.id, EquipmentEvent.note, EquipmentEvent.kind).where(
        open_defect_filter(bindparam("equipment_id"))
    )
    rows = await PreparedRead(defects).all(engine, equipment_id=item["id"])
    assert rows == await _through_session(engine, defects, equipment_id=item["id"])
    assert [(r["note"], r["kind"]) for r in rows] == [("hydraulic leak", rows[0]["kind"])]
    assert rows[0]["kind"].value == "defect"  # an enum member, not the driver's string


async def test_prepared_read_wants_exactly_its_free_values(engine: AsyncEngine) -> None:
    read = PreparedRead(select(Equipment.id).where(Equipment.code == bindparam("code")))
    with pytest.raises(TypeError, match="code"):
        await read.all(engine)
    with pytest.raises(TypeError, match="code"):
        await read.all(engine, code="X", extra=1)


async def test_an_idle_connection_cut_by_the_server_is_replaced(migrated: str) -> None:
    engine = create_async_engine(migrated, pool_size=1, max_overflow=0)
    ping_when_idle(engine, idle_s=0.05)
    try:
        async with engine.connect() as conn:
            pid = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        # What a database restart or a firewall's idle timeout does to a pooled connection.
        killer = create_async_engine(migrated)
        async with killer.connect() as admin:
            await admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        await killer.dispose()
        await asyncio.sleep(0.1)
        async with engine.connect() as conn:
            fresh = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        assert fresh != pid
    finally:
        await engine.dispose()
