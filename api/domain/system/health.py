"""Dependency checks shared by the API's and the worker's health endpoints.

Liveness ("is this process worth keeping") never calls these: a database outage must
not make an orchestrator restart every replica. Readiness ("send it traffic / let it
take jobs") does: database, object store, and the schema at the migrations' head (a
replica of a newer release must not serve against an older schema; an older replica
against a newer schema is the normal middle of a rolling deploy and stays ready).
"""

from __future__ import annotations

import functools

import anyio
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from api.db.migrate import alembic_config
from storage.s3 import ObjectStore, StorageUnavailable

# A probe that hangs is worse than one that says "down"; the same bound as /health.
CHECK_TIMEOUT_S = 3.0


@functools.cache
def _revisions() -> tuple[frozenset[str], frozenset[str]]:
    # The migration scripts shipped with this release; they never change while it runs.
    script = ScriptDirectory.from_config(alembic_config(""))
    known = frozenset(rev.revision for rev in script.walk_revisions())
    return frozenset(script.get_heads()), known


async def revisions() -> tuple[frozenset[str], frozenset[str]]:
    """(heads, every known revision) of this code's migrations, read from the files once
    and off the event loop."""
    return await anyio.to_thread.run_sync(_revisions)


async def ping_database(engine: AsyncEngine) -> str:
    """ "ok" when the database answers a query in time, else "down"."""
    try:
        with anyio.fail_after(CHECK_TIMEOUT_S):
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
    except Exception:
        return "down"
    return "ok"


async def check_database(engine: AsyncEngine) -> tuple[str, str]:
    """("ok"|"down", "ok"|"behind"|"ahead"|"unknown"): the database answers, and its
    schema is at this code's migration head. "unknown" when the database is down."""
    heads, known = await revisions()
    try:
        with anyio.fail_after(CHECK_TIMEOUT_S):
            async with engine.connect() as conn:
                # An empty database (no alembic_version yet) is simply behind.
                has_table = await conn.scalar(
                    text("SELECT to_regclass('alembic_version') IS NOT NULL")
                )
                current: set[str] = set()
                if has_table:
                    rows = await conn.execute(text("SELECT version_num FROM alembic_version"))
                    current = {str(row[0]) for row in rows}
    except Exception:
        return "down", "unknown"
    if current == heads:
        return "ok", "ok"
    # A revision this code does not know comes from a newer release's migration.
    return "ok", "ahead" if current - known else "behind"


async def check_storage(store: ObjectStore) -> str:
    try:
        with anyio.fail_after(CHECK_TIMEOUT_S):
            await store.ping()
    except (StorageUnavailable, TimeoutError):
        return "down"
    return "ok"


async def readiness(engine: AsyncEngine, store: ObjectStore) -> tuple[bool, dict[str, str]]:
    """Whether the process may take work, and the body that says why not."""
    result: dict[str, str] = {"status": "ok", "db": "ok", "storage": "ok", "migrations": "ok"}
    async with anyio.create_task_group() as tg:
        # Both at once: a probe's worst case is one timeout, not two in a row.

        async def db() -> None:
            result["db"], result["migrations"] = await check_database(engine)

        async def storage() -> None:
            result["storage"] = await check_storage(store)

        tg.start_soon(db)
        tg.start_soon(storage)
    # "ahead" stays ready: a rolling deploy migrates first (the release job), and the
    # old replicas must keep serving until the new ones are ready; migrations are
    # written to be compatible with the release before (expand, then contract).
    ready = (
        result["db"] == "ok"
        and result["storage"] == "ok"
        and result["migrations"] in ("ok", "ahead")
    )
    if not ready:
        result["status"] = "unavailable"
    return ready, result
