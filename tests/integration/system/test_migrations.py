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


def _face_enrolments_backfilled(url: str) -> None:
    """0008_face_reenrolment: who enrolled before it existed is remembered; templates
    held then stay trusted, an enrolment erased before it needs a manager next time."""
    script = ScriptDirectory.from_config(alembic_config(url))
    before = script.get_revision("0008_face_reenrolment").down_revision
    assert isinstance(before, str)
    upgrade(url, before)
    company, kept, erased, never = (uuid.uuid4() for _ in range(4))

    async def seed() -> None:
        engine = create_async_engine(url)
        async with engine.begin() as conn:
            await conn.execute(
                text("INSERT INTO companies (id, name, is_active) VALUES (:id, 'C', true)"),
                {"id": company},
            )
            for user in (kept, erased, never):
                await conn.execute(
                    text(
                        "INSERT INTO users (id, company_id, name, login, password_hash, role,"
                        " is_active) VALUES (:id, :c, 'U', :login, 'x', 'worker', true)"
                    ),
                    {"id": user, "c": company, "login": user.hex},
                )
            await conn.execute(
                text(
                    "INSERT INTO face_consents (id, company_id, user_id, text_version,"
                    " consented_at, withdrawn_at) VALUES"
                    " (:a, :c, :kept, '1', '2026-11-01T08:00:00Z', NULL),"
                    " (:b, :c, :erased, '1', '2026-11-02T08:00:00Z', '2026-11-03T08:00:00Z')"
                ),
                {
                    "a": uuid.uuid4(),
                    "b": uuid.uuid4(),
                    "c": company,
                    "kept": kept,
                    "erased": erased,
                },
            )
            await conn.execute(
                text(
                    "INSERT INTO face_templates (id, company_id, user_id, model, template,"
                    " created_at) VALUES (:id, :c, :u, 'm', 'x', '2026-11-01T08:00:01Z')"
                ),
                {"id": uuid.uuid4(), "c": company, "u": kept},
            )
        await engine.dispose()

    async def read() -> list[tuple[object, ...]]:
        engine = create_async_engine(url)
        async with engine.connect() as conn:
            rows = await conn.execute(
                text(
                    "SELECT user_id, first_enrolled_at IS NOT NULL, verified_at IS NOT NULL"
                    " FROM face_enrolments"
                )
            )
            result = [tuple(r) for r in rows]
        await engine.dispose()
        return result

    # upgrade() runs its own event loop, so seeding and reading each get theirs.
    asyncio.run(seed())
    upgrade(url)
    rows = asyncio.run(read())
    assert sorted(rows, key=str) == sorted([(kept, True, True), (erased, True, False)], key=str)


async def test_face_enrolments_are_backfilled_from_consents(migrated: str) -> None:
    await _with_scratch_database(migrated, _face_enrolments_backfilled)
