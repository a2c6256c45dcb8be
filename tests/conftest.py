"""Test services: a throwaway PostGIS + S3 (started here), migrations, a live API server.

Nothing here touches a developer's own data: the embedded services live in a fresh
temporary folder and are stopped by PID at the end. Setting SITECHECK_TEST_DATABASE_URL
(and S3_*) runs the suite against external services instead; that database is wiped
between tests, so never point it at real data.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from api.config import Settings
from api.db.migrate import upgrade
from api.db.models import Base
from infra.local.embedded import EmbeddedStack
from tests.support.factories import World, build_world
from tests.support.live_server import serve_api


@pytest.fixture(scope="session")
def embedded_stack() -> Iterator[EmbeddedStack | None]:
    """The test's own PostGIS + S3, or None when the suite runs against external ones.
    Fault tests stop and restart its services (S3 keeps its ports across a restart)."""
    if os.environ.get("SITECHECK_TEST_DATABASE_URL"):
        yield None
        return
    data_dir = Path(tempfile.mkdtemp(prefix="sitecheck-test-"))
    stack = EmbeddedStack(data_dir)
    try:
        stack.start()
        yield stack
    finally:
        stack.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def service_env(embedded_stack: EmbeddedStack | None) -> dict[str, str]:
    if embedded_stack is None:
        return {
            "DATABASE_URL": os.environ["SITECHECK_TEST_DATABASE_URL"],
            "S3_ENDPOINT_URL": os.environ["S3_ENDPOINT_URL"],
            "S3_ACCESS_KEY_ID": os.environ["S3_ACCESS_KEY_ID"],
            "S3_SECRET_ACCESS_KEY": os.environ["S3_SECRET_ACCESS_KEY"],
        }
    return dict(embedded_stack.env)


@pytest.fixture(scope="session")
def app_env(service_env: dict[str, str]) -> dict[str, str]:
    return {
        **service_env,
        "S3_BUCKET": "sitecheck-test",
        "SITECHECK_JWT_SECRET": secrets.token_urlsafe(48),
        "SITECHECK_FACE_KEY": secrets.token_hex(32),
        "SITECHECK_LOG_LEVEL": "WARNING",
    }


@pytest.fixture(scope="session")
def settings(app_env: dict[str, str]) -> Settings:
    return Settings.from_env(app_env)


@pytest.fixture(scope="session")
def migrated(settings: Settings) -> str:
    upgrade(settings.database_url)
    return settings.database_url


@pytest.fixture(scope="session")
async def engine(migrated: str) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(migrated)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
def live_server(
    app_env: dict[str, str], migrated: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The real app under uvicorn on 127.0.0.1, as `make run` serves it."""
    with serve_api(app_env, tmp_path_factory.mktemp("server") / "api.log") as base:
        yield base


@pytest.fixture
async def api(live_server: str, engine: AsyncEngine) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=live_server, timeout=30) as client:
        yield client


@pytest.fixture(autouse=True)
async def _clean_database(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    """Each test starts from empty tables (TRUNCATE is not blocked by the audit trigger,
    which guards rows, not the table's lifecycle)."""
    yield
    if "engine" not in request.fixturenames:
        return
    engine: AsyncEngine = request.getfixturevalue("engine")
    # Queued jobs belong to the test that queued them too.
    names = [t.name for t in reversed(Base.metadata.sorted_tables)] + ["procrastinate_jobs"]
    async with engine.begin() as conn:
        existing = set(
            (
                await conn.execute(
                    text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
                )
            )
            .scalars()
            .all()
        )
        # Only tables the migrations made: a model without its migration yet fails in
        # test_migrations, not in every other test.
        tables = ", ".join(n for n in names if n in existing)
        await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture
async def world(engine: AsyncEngine, settings: Settings) -> World:
    return await build_world(engine, settings)
