"""A worker killed (SIGKILL) in the middle of a hazard check: once its heartbeat has
stopped, another worker takes the job again and the photo gets exactly one result and
at most one hazard."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

import anyio
import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from api.config import ConfigError, Settings
from api.db.models import Role as R
from tests.faults.conftest import STALLED_S
from tests.faults.stack import FaultStack
from tests.support.factories import World
from tests.support.hazard_photos import BUS, upload

# One core per inference on a 3x3 tile grid: a check lasts seconds, long enough to kill
# the worker while it is surely inside the model.
SLOW = {"SITECHECK_HAZARD_THREADS": "1"}


async def _job(engine: AsyncEngine, photo_id: str) -> tuple[int, str, int] | None:
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                text(
                    "SELECT id, status::text, attempts FROM procrastinate_jobs"
                    " WHERE task_name = 'hazards:hazards.detect' AND args->>'photo_id' = :p"
                ),
                {"p": photo_id},
            )
        ).one_or_none()
    return None if row is None else (row[0], row[1], row[2])


async def _photo(engine: AsyncEngine, photo_id: str) -> tuple[str, int]:
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                text("SELECT hazard_status, hazard_attempts FROM photos WHERE id = :p"),
                {"p": photo_id},
            )
        ).one()
    return row[0], row[1]


async def _wait_for(check: Callable[[], Awaitable[bool]], within_s: float) -> None:
    # Polls the database: a state another process changes, no event to wait on.
    with anyio.fail_after(within_s):
        while True:
            if await check():
                return
            await anyio.sleep(0.05)


async def test_worker_killed_mid_inference(
    fault_stack: FaultStack,
    fault_api: httpx.AsyncClient,
    fault_world: World,
    fault_engine: AsyncEngine,
) -> None:
    w = fault_world
    tiled = await fault_api.patch(
        f"/api/sites/{w.a.site.id}",
        json={"hazard_tiling": {"grid": [3, 3]}},
        headers=w.headers(w.a.users[R.ADMIN]),
    )
    assert tiled.status_code == 200, tiled.text
    photo_id = await upload(fault_api, w, BUS.read_bytes(), w.a.site.id)

    first = await anyio.to_thread.run_sync(lambda: fault_stack.start_worker(**SLOW))

    async def running() -> bool:
        job = await _job(fault_engine, photo_id)
        return job is not None and job[1] == "doing"

    await _wait_for(running, 60)  # the first worker takes the job
    # Past fetching the photo from S3, inside the model.
    await anyio.sleep(0.8)
    started = time.monotonic()
    await anyio.to_thread.run_sync(first.kill)
    job = await _job(fault_engine, photo_id)
    # Killed mid-check (else this test proved nothing): the job still says `doing`.
    assert job is not None
    assert job[1] == "doing", job
    assert await _photo(fault_engine, photo_id) == ("pending", 1)

    await anyio.to_thread.run_sync(lambda: fault_stack.start_worker(**SLOW))

    async def checked() -> bool:
        return (await _photo(fault_engine, photo_id))[0] != "pending"

    await _wait_for(checked, 60)  # the job runs again on the new worker
    recovered_s = time.monotonic() - started
    # Picked up within a few heartbeat periods, not the minutes of the periodic sweep.
    assert recovered_s < 8 * int(STALLED_S) + 20, recovered_s

    status, attempts = await _photo(fault_engine, photo_id)
    # bus.jpg has bare heads: flagged, by the second attempt (the first died).
    assert (status, attempts) == ("flagged", 2)
    async with fault_engine.connect() as conn:
        hazards = (
            await conn.execute(
                text("SELECT count(*) FROM hazards WHERE photo_id = :p"), {"p": photo_id}
            )
        ).scalar()
        jobs = (
            (
                await conn.execute(
                    text(
                        "SELECT status::text FROM procrastinate_jobs"
                        " WHERE task_name = 'hazards:hazards.detect'"
                    )
                )
            )
            .scalars()
            .all()
        )
    assert hazards == 1
    # The same job ran again (no second job was queued for the photo) and finished.
    assert jobs == ["succeeded"]


def test_stalled_timeout_is_a_bounded_setting() -> None:
    base = {
        "DATABASE_URL": "postgresql+asyncpg://u:p@127.0.0.1/db",
        "S3_ACCESS_KEY_ID": "k",
        "S3_SECRET_ACCESS_KEY": "s",
        "SITECHECK_JWT_SECRET": "x" * 32,
    }
    assert Settings.from_env(base).worker.job_stalled_s == 30
    assert Settings.from_env({**base, "SITECHECK_JOB_STALLED_S": "3"}).worker.job_stalled_s == 3
    for bad in ("2", "3601", "soon"):
        with pytest.raises(ConfigError, match="SITECHECK_JOB_STALLED_S"):
            Settings.from_env({**base, "SITECHECK_JOB_STALLED_S": bad})
