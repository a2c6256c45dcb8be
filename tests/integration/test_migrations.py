"""Migrations: one head, they build exactly the models' schema, and they run both ways."""

from __future__ import annotations

import asyncio
import uuid

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.engine.url import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from api.db.migrate import alembic_config, downgrade, include_object, upgrade
from api.db.models import Base


def test_single_head(migrated: str) -> None:
    heads = ScriptDirectory.from_config(alembic_config(migrated)).get_heads()
    assert len(heads) == 1


def _diff(connection: Connection) -> list[object]:
    context = MigrationContext.configure(
        connection,
        opts={"compare_type": True, "include_object": include_object},
    )
    return list(compare_metadata(context, Base.metadata))


async def _with_scratch_database(migrated: str, check: object) -> None:
    """Run `check(url)` against a brand-new database, dropped afterwards."""
    name = f"migrations_{uuid.uuid4().hex[:8]}"
    admin = create_async_engine(migrated, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(migrated).set(database=name).render_as_string(hide_password=False)
    try:
        scratch = create_async_engine(url, isolation_level="AUTOCOMMIT")
        async with scratch.connect() as conn:
            await conn.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
        await scratch.dispose()
        await asyncio.to_thread(check, url)  # type: ignore[arg-type]
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


def _describe(differences: list[object]) -> str:
    """One line per difference, naming the table: the default repr is cut off."""
    lines = []
    for diff in differences:
        first = diff[0] if isinstance(diff, list) else diff
        parts = first if isinstance(first, tuple) else (first,)
        named = [
            getattr(p, "name", None) or getattr(getattr(p, "table", None), "name", None)
            for p in parts
        ]
        lines.append(" ".join(str(x) for x in (parts[0], *named[1:]) if x))
    return "\n".join(lines)


def _models_match(url: str) -> None:
    upgrade(url)

    async def diff() -> list[object]:
        engine = create_async_engine(url)
        async with engine.connect() as conn:
            result = await conn.run_sync(_diff)
        await engine.dispose()
        return result

    differences = asyncio.run(diff())
    assert differences == [], _describe(differences)
    downgrade(url, "base")
    upgrade(url)


async def test_migrations_match_models_and_round_trip(migrated: str) -> None:
    await _with_scratch_database(migrated, _models_match)
