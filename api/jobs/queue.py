"""The API's side of the queue: the job app opened on first use, the jobs a request
asked for deferred after its commit, and the in-process worker of `make run`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any, cast

from advanced_alchemy.extensions.litestar._utils import (
    delete_aa_scope_state,
    get_aa_scope_state,
)
from advanced_alchemy.extensions.litestar.plugins.init.config.common import (
    SESSION_SCOPE_KEY,
    SESSION_TERMINUS_ASGI_EVENTS,
)
from litestar.constants import HTTP_RESPONSE_START
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from sqlalchemy.ext.asyncio import AsyncSession

from api.config import Settings
from api.jobs.app import job_app_open
from api.jobs.enqueue import current_job_queue, job_queue_scope

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


def commit_then_defer(
    scope_key: str = SESSION_SCOPE_KEY,
) -> Callable[[Message, Scope], Coroutine[Any, Any, None]]:
    """The request's before-send hook (advanced-alchemy's `autocommit`, plus the jobs):
    as the response starts, commit the request's session on 2xx (roll back otherwise),
    then defer the jobs the request asked for (api/jobs/enqueue.py) if it committed,
    still before the client sees the response."""

    async def handler(message: Message, scope: Scope) -> None:
        if message["type"] != HTTP_RESPONSE_START:
            await _close_session(message, scope, scope_key)
            return
        session = cast("AsyncSession | None", get_aa_scope_state(scope, scope_key))
        committed = 200 <= message["status"] < 300
        try:
            if session is not None:
                if committed:
                    await session.commit()
                else:
                    await session.rollback()
        except Exception:
            # As advanced-alchemy's autocommit: the response has started, nothing to say
            # to the client; the jobs are dropped with the work they were for.
            committed = False
            log.warning("request transaction did not commit", exc_info=True)
        finally:
            await _close_session(message, scope, scope_key)
        manager = current_job_queue()
        if manager is None:
            return
        if committed and manager.jobs:
            jobs: JobQueue = scope["app"].state.jobs
            try:
                await jobs.ensure_open()
            except Exception:
                log.warning(
                    "job queue unavailable; %d job(s) left to the sweepers",
                    len(manager.jobs),
                    exc_info=True,
                )
            else:
                await manager.flush()
        manager.discard()

    return handler


async def _close_session(message: Message, scope: Scope, scope_key: str) -> None:
    session = cast("AsyncSession | None", get_aa_scope_state(scope, scope_key))
    if session is not None and message["type"] in SESSION_TERMINUS_ASGI_EVENTS:
        try:
            await session.close()
        except Exception:
            log.debug("closing the request session failed", exc_info=True)
        delete_aa_scope_state(scope, scope_key)


def job_queue_middleware(app: ASGIApp) -> ASGIApp:
    """Give every request its own job queue manager (api/jobs/enqueue.py), which
    `commit_then_defer` flushes once the request's transaction committed."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        with job_queue_scope():
            await app(scope, receive, send)

    return middleware


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
