"""Test services: a throwaway PostGIS + S3 (started here), migrations, a live API server.

Two tiers share the `api` and `world` fixtures. By default `api` talks HTTP to the live
server and every test ends with a TRUNCATE of all tables. A module marked
`pytestmark = pytest.mark.in_process` gets the app in the test process instead (httpx's
ASGI transport), bound to one connection whose transaction is rolled back after each
test (the app's sessions join it through savepoints), so nothing is truncated. That tier
is for API tests that need no real process: no worker, no server log, no concurrent
requests (one connection serves them all), no reads through `state.engine`. Such a
module's tests that query the database take `database` (the engine, or the rolled-back
connection in a savepoint) or `bind` for sessions of their own, and `pytest.mark.live`
sends one test back to the live server. SITECHECK_TESTS_LIVE_ONLY=1 runs the whole
in-process tier on the live server, to check that both tiers agree.

Nothing here touches a developer's own data: the embedded services live in a fresh
temporary folder and are stopped by PID at the end. Setting SITECHECK_TEST_DATABASE_URL
(and S3_*) runs the suite against external services instead; that database is wiped
between tests, so never point it at real data.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from api.app import create_app
from api.config import Settings
from api.db.migrate import upgrade
from api.db.models import Base
from infra.local.embedded import EmbeddedStack
from tests.support.database import RolledBackDatabase
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
    upgrade(settings.db.url)
    return settings.db.url


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


def _in_process(request: pytest.FixtureRequest) -> bool:
    node = request.node
    return (
        node.get_closest_marker("in_process") is not None
        and node.get_closest_marker("live") is None
        and os.environ.get("SITECHECK_TESTS_LIVE_ONLY") != "1"
    )


@pytest.fixture(scope="session")
async def app_connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """The one connection the in-process app works on."""
    async with engine.connect() as connection:
        yield connection


@pytest.fixture(scope="session")
async def in_process_client(
    settings: Settings, app_connection: AsyncConnection
) -> AsyncIterator[httpx.AsyncClient]:
    """The app built by create_app, started once (its lifespan runs) for the session.
    httpx's ASGI transport runs it on the test's own event loop: Litestar's AsyncTestClient
    runs the app on a loop of its own in another thread, where the test's asyncpg
    connection cannot be used."""
    app = create_app(settings, bind=app_connection)
    started, stop = asyncio.Event(), asyncio.Event()

    async def run_lifespan() -> None:
        # Entered and left in this one task: the lifespan's task group insists on it, and
        # a session fixture's setup and teardown run in different tasks.
        async with app.lifespan():
            started.set()
            await stop.wait()

    lifespan = asyncio.create_task(run_lifespan())
    await asyncio.wait(
        [lifespan, asyncio.create_task(started.wait())], return_when=asyncio.FIRST_COMPLETED
    )
    if lifespan.done():
        lifespan.result()  # the start failed: say why
    # The same ASGI app either way: Litestar types its messages as TypedDicts, httpx as
    # plain mappings.
    asgi: Any = app
    transport = httpx.ASGITransport(app=asgi, client=("127.0.0.1", 50000))
    try:
        async with httpx.AsyncClient(
            transport=transport, base_url="http://127.0.0.1", timeout=30
        ) as client:
            yield client
    finally:
        stop.set()
        await lifespan


@pytest.fixture
async def rolled_back(
    app_connection: AsyncConnection, engine: AsyncEngine
) -> AsyncIterator[AsyncConnection]:
    """The in-process app's connection inside a transaction that is rolled back after the
    test. Jobs are deferred by procrastinate through a pool of its own, so a job would
    commit outside this transaction: such a test belongs on the live server, and fails
    here (its jobs removed) instead of leaving a job behind."""
    if app_connection.in_transaction():  # left open by a request a failed test cut short
        await app_connection.rollback()
    transaction = await app_connection.begin()
    try:
        yield app_connection
    finally:
        await transaction.rollback()
    async with engine.begin() as conn:
        escaped = (await conn.execute(text("SELECT count(*) FROM procrastinate_jobs"))).scalar()
        if escaped:
            await conn.execute(text("TRUNCATE procrastinate_jobs RESTART IDENTITY CASCADE"))
    assert not escaped, "a job escaped the rollback: run this test on the live server"


@pytest.fixture
def bind(request: pytest.FixtureRequest, engine: AsyncEngine) -> AsyncEngine | AsyncConnection:
    """What a test's own sessions bind to, as build_world's do: the engine on the live
    tier, the rolled-back connection in process (with join_transaction_mode
    "create_savepoint", a session's commit there releases a savepoint)."""
    if _in_process(request):
        connection: AsyncConnection = request.getfixturevalue("rolled_back")
        return connection
    return engine


@pytest.fixture
async def live_api(live_server: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=live_server, timeout=30) as client:
        yield client


@pytest.fixture
def in_process_api(
    rolled_back: AsyncConnection, in_process_client: httpx.AsyncClient
) -> httpx.AsyncClient:
    return in_process_client


# The tier is chosen per test, so `api`, `world` and `database` pick their fixture by name
# (plain functions: pytest-asyncio cannot resolve an async fixture from an async one).
@pytest.fixture
def api(request: pytest.FixtureRequest, engine: AsyncEngine) -> httpx.AsyncClient:
    name = "in_process_api" if _in_process(request) else "live_api"
    client: httpx.AsyncClient = request.getfixturevalue(name)
    return client


@pytest.fixture
def database(
    request: pytest.FixtureRequest, engine: AsyncEngine
) -> AsyncEngine | RolledBackDatabase:
    """What a test reads and writes the database through: the engine on the live tier,
    the rolled-back transaction's connection (each use in a savepoint) in process."""
    if _in_process(request):
        return RolledBackDatabase(request.getfixturevalue("rolled_back"))
    return engine


@pytest.fixture(autouse=True)
async def _clean_database(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    """Each test starts from empty tables (TRUNCATE is not blocked by the audit trigger,
    which guards rows, not the table's lifecycle). The in-process tier rolls back instead."""
    yield
    if "engine" not in request.fixturenames or _in_process(request):
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
async def live_world(engine: AsyncEngine, settings: Settings) -> World:
    return await build_world(engine, settings)


@pytest.fixture
async def in_process_world(rolled_back: AsyncConnection, settings: Settings) -> World:
    return await build_world(rolled_back, settings)


@pytest.fixture
def world(request: pytest.FixtureRequest, engine: AsyncEngine) -> World:
    built: World = request.getfixturevalue(
        "in_process_world" if _in_process(request) else "live_world"
    )
    return built
