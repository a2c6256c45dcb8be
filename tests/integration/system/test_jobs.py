"""The job queue: deferred jobs run once in a worker; a stalled job runs again."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from api.config import Settings
from api.jobs.app import find_task, job_app_open
from api.jobs.worker import run_until_idle


async def _statuses(engine: AsyncEngine, task: str) -> list[str]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text("SELECT status::text FROM procrastinate_jobs WHERE task_name = :t ORDER BY id"),
            {"t": task},
        )
        return [r[0] for r in rows]


async def test_deferred_job_runs_in_the_worker(settings: Settings, engine: AsyncEngine) -> None:
    task = find_task("jobs.retry_stalled")
    async with engine.begin() as conn:
        await conn.execute(text("DELETE FROM procrastinate_jobs"))
    async with job_app_open(settings.database_url):
        await task.defer_async(timestamp=0)
    assert await _statuses(engine, task.name) == ["todo"]
    await run_until_idle(settings)
    assert await _statuses(engine, task.name) == ["succeeded"]


async def test_a_worker_limited_to_queues_leaves_the_others(
    settings: Settings, engine: AsyncEngine
) -> None:
    task = find_task("jobs.retry_stalled")  # on the default queue
    async with engine.begin() as conn:
        await conn.execute(text("DELETE FROM procrastinate_jobs"))
    async with job_app_open(settings.database_url):
        await task.defer_async(timestamp=0)
    await run_until_idle(settings, queues=["inference"])
    assert await _statuses(engine, task.name) == ["todo"]
    await run_until_idle(settings, queues=["default"])
    assert await _statuses(engine, task.name) == ["succeeded"]


def test_tasks_are_found_by_their_area_name() -> None:
    assert find_task("jobs.prune_finished").name == "jobs:jobs.prune_finished"
