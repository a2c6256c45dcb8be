"""Deferring jobs from request handlers."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from procrastinate.exceptions import AlreadyEnqueued
from sqlalchemy.ext.asyncio import AsyncSession

from api.config import Settings
from api.jobs.app import find_task, job_app_open
from api.jobs.observe import with_request_id

log = logging.getLogger(__name__)


class JobQueue:
    """The API's handle on the queue (app.state.jobs). It opens the job app on first use,
    not at start-up, so the API starts (and /health can say what is down) while
    PostgreSQL is unreachable, and recovers by itself when it is back."""

    def __init__(self, database_url: str) -> None:
        self._database_url = database_url
        self._lock = asyncio.Lock()
        self._stack: contextlib.AsyncExitStack | None = None

    async def ensure_open(self) -> None:
        if self._stack is not None:
            return
        async with self._lock:
            if self._stack is None:
                stack = contextlib.AsyncExitStack()
                await stack.enter_async_context(job_app_open(self._database_url))
                self._stack = stack

    async def close(self) -> None:
        if self._stack is not None:
            await self._stack.aclose()
            self._stack = None

    async def defer(
        self, task_name: str, *, queueing_lock: str | None = None, **kwargs: Any
    ) -> int | None:
        """Queue a job; with `queueing_lock`, only while no job with that lock is waiting
        (None then: the waiting one will do the work)."""
        await self.ensure_open()
        task = find_task(task_name)
        kwargs = with_request_id(kwargs)
        if queueing_lock is None:
            return await task.defer_async(**kwargs)
        try:
            return await task.configure(queueing_lock=queueing_lock).defer_async(**kwargs)
        except AlreadyEnqueued:
            return None


async def defer_after_commit(
    session: AsyncSession,
    jobs: JobQueue,
    task_name: str,
    *,
    queueing_lock: str | None = None,
    **kwargs: Any,
) -> bool:
    """Commit the request's work, then queue the job that follows from it.

    The job must never see a row that might still roll back, so the commit comes first.
    If the process dies between the two, the job is lost: every area that defers keeps
    a sweeper that finds work left undone (e.g. photos still `pending`) and queues it
    again, so this returns False instead of failing a request whose data is safe.
    """
    await session.commit()
    try:
        await jobs.defer(task_name, queueing_lock=queueing_lock, **kwargs)
    except Exception:
        log.warning("deferring %s failed; its sweeper will retry", task_name, exc_info=True)
        return False
    return True


@contextlib.asynccontextmanager
async def job_queue_running(jobs: JobQueue, settings: Settings) -> AsyncIterator[None]:
    """For the API's lifetime: with `worker_inprocess` (the `make run` default) a worker
    runs in the same process; the queue is closed at shutdown."""
    worker = None
    if settings.worker.inprocess:
        worker = asyncio.create_task(_inprocess_worker(jobs, settings), name="job worker")
    try:
        yield
    finally:
        if worker is not None:
            worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await worker
        await jobs.close()


async def _inprocess_worker(jobs: JobQueue, settings: Settings) -> None:
    from api.jobs.worker import run_worker  # the worker module imports this one

    while True:
        try:
            await jobs.ensure_open()
            await run_worker(settings, install_signal_handlers=False, open_app=False)
            return
        except asyncio.CancelledError:
            raise
        except Exception:
            # PostgreSQL away (a restart, a failover): keep trying, jobs wait in the table.
            log.warning("job worker stopped; restarting in 5 s", exc_info=True)
            await asyncio.sleep(5)
