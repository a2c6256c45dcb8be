"""The job queue: deferred jobs run once in a worker; a stalled job runs again."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from api.config import Settings
from api.jobs.app import job_app, job_app_open
from api.jobs.housekeeping import prune_finished, retry_stalled
from api.jobs.worker import run_until_idle


async def _statuses(engine: AsyncEngine, task: str) -> list[str]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text("SELECT status::text FROM procrastinate_jobs WHERE task_name = :t ORDER BY id"),
            {"t": task},
        )
        return [r[0] for r in rows]


async def test_deferred_job_runs_in_the_worker(settings: Settings, engine: AsyncEngine) -> None:
    task = retry_stalled
    async with engine.begin() as conn:
        await conn.execute(text("DELETE FROM procrastinate_jobs"))
    async with job_app_open(settings.db.url):
        await task.configure().defer_async(timestamp=0)
    assert await _statuses(engine, task.name) == ["todo"]
    await run_until_idle(settings)
    assert await _statuses(engine, task.name) == ["succeeded"]


async def test_a_worker_limited_to_queues_leaves_the_others(
    settings: Settings, engine: AsyncEngine
) -> None:
    task = retry_stalled  # on the default queue
    async with engine.begin() as conn:
        await conn.execute(text("DELETE FROM procrastinate_jobs"))
    async with job_app_open(settings.db.url):
        await task.configure().defer_async(timestamp=0)
    await run_until_idle(settings, queues=["inference"])
    assert await _statuses(engine, task.name) == ["todo"]
    await run_until_idle(settings, queues=["default"])
    assert await _statuses(engine, task.name) == ["succeeded"]


def test_tasks_are_named_by_their_area() -> None:
    assert prune_finished.name == "jobs:jobs.prune_finished"
    assert job_app.tasks["jobs:jobs.prune_finished"] is prune_finished
