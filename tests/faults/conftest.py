"""Fixtures of the fault tests: their own stack (tests/faults/stack.py), an engine that
survives a database restart, and a fresh world per test on that stack."""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import anyio
import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from api.db.migrate import upgrade
from api.db.models import Base
from tests.faults.stack import FaultStack
from tests.support.factories import World, build_world

# Seconds without a heartbeat before a worker's running jobs go back to the queue: short
# here so a killed worker's job is picked up within the test, 30 s in production.
STALLED_S = "3"


@pytest.fixture(scope="session")
def fault_stack() -> Iterator[FaultStack]:
    data_dir = Path(tempfile.mkdtemp(prefix="sitecheck-faults-"))
    stack = FaultStack(
        data_dir,
        {
            "S3_BUCKET": "sitecheck-faults",
            "SITECHECK_JWT_SECRET": secrets.token_urlsafe(48),
            "SITECHECK_FACE_KEY": secrets.token_hex(32),
            "SITECHECK_LOG_LEVEL": "WARNING",
            "SITECHECK_IMAGE_WORKERS": "1",
            "SITECHECK_JOB_STALLED_S": STALLED_S,
            # No fixed port beside other stacks on this machine.
            "SITECHECK_WORKER_HTTP_PORT": "0",
        },
    )
    try:
        stack.start_services()
        upgrade(stack.settings.db.url)
        yield stack
    finally:
        stack.close()
        # SITECHECK_FAULTS_KEEP=1 keeps the processes' logs (api.log, worker*.log) to read.
        if not os.environ.get("SITECHECK_FAULTS_KEEP"):
            shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture
async def fault_engine(fault_stack: FaultStack) -> AsyncIterator[AsyncEngine]:
    # No pool: a connection from before a restart must not fail the test's own checks.
    engine = create_async_engine(fault_stack.settings.db.url, poolclass=NullPool)
    yield engine
    await engine.dispose()


@pytest.fixture
async def fault_api(fault_stack: FaultStack) -> AsyncIterator[httpx.AsyncClient]:
    """A client of this stack's API, running and healthy when the test starts (a test
    before may have left it killed or a service stopped)."""
    if fault_stack.services.postgres.running_pid() is None:
        await anyio.to_thread.run_sync(fault_stack.start_db)
    if fault_stack.services.s3.running_pid() is None:
        await anyio.to_thread.run_sync(fault_stack.start_s3)
    await anyio.to_thread.run_sync(fault_stack.start_api)
    async with httpx.AsyncClient(base_url=fault_stack.base_url, timeout=30) as client:
        yield client
    for worker in fault_stack.workers:
        await anyio.to_thread.run_sync(worker.stop)


@pytest.fixture
async def fault_world(fault_stack: FaultStack, fault_engine: AsyncEngine) -> World:
    """Two tenants with every role, on empty tables (cleaned before, so a failed test
    leaves its rows for a look at the database)."""
    names = [t.name for t in reversed(Base.metadata.sorted_tables)] + ["procrastinate_jobs"]
    async with fault_engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {', '.join(names)} RESTART IDENTITY CASCADE"))
    return await build_world(fault_engine, fault_stack.settings)
