"""Asking for a job where the work arises; deferring it once, after the commit.

A service calls `enqueue(detect_photo, photo_id=...)` with the task object itself (so
go-to-definition leads to the job) anywhere inside a request or a job. Nothing reaches
the queue then: the job is collected by the `JobQueueManager` of the current request or
job, and deferred by one hook after that request's (or job's) transaction committed:

- in the API, the before-send hook that commits the request's session
  (`api.jobs.queue.commit_then_defer`), before the response leaves, so a client that
  got its 201 can count on the job being queued;
- in the worker, a worker middleware (`flush_after_job`) once the job has returned,
  its own sessions committed.

A failed request (rolled back) or a failed job defers nothing: a job must never see a
row that might still roll back. If the process dies between the commit and the defer,
the job is lost: every area that queues work keeps a sweeper that finds work left
undone (photos still `pending`, deliveries never tried) and asks for it again.

The model is polar's `JobQueueManager` (server/polar/worker/_enqueue.py).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, ParamSpec

from procrastinate.exceptions import AlreadyEnqueued
from procrastinate.job_context import JobContext
from procrastinate.middleware import AsyncCallNext
from procrastinate.tasks import Task
from procrastinate.worker import Worker

from api.jobs.observe import with_request_id

log = logging.getLogger(__name__)

# The arguments a task is deferred with (procrastinate's `Task[P, R, Args]`).
Args = ParamSpec("Args")


@dataclass(frozen=True)
class EnqueuedJob:
    task: Task[..., Any, ...]
    kwargs: dict[str, Any]
    # Never two jobs with this lock waiting in the queue (the later one is dropped).
    queueing_lock: str | None = None
    # Never two jobs with this lock running at once.
    lock: str | None = None


class JobQueueManager:
    """The jobs one request or one job asked for, deferred together after its commit."""

    def __init__(self) -> None:
        self._jobs: list[EnqueuedJob] = []

    @property
    def jobs(self) -> tuple[EnqueuedJob, ...]:
        return tuple(self._jobs)

    def enqueue(
        self,
        task: Task[..., Any, ...],
        /,
        *,
        queueing_lock: str | None = None,
        lock: str | None = None,
        **kwargs: Any,
    ) -> None:
        # The request id is taken now: it names who asked, for the job's logs.
        self._jobs.append(EnqueuedJob(task, with_request_id(kwargs), queueing_lock, lock))

    def discard(self) -> None:
        self._jobs.clear()

    async def flush(self) -> int:
        """Defer every collected job (the job app must be open); return how many were
        queued. A job already waiting under its queueing lock is not queued twice; a
        failure is logged, not raised, because its sweeper asks for it again."""
        jobs, self._jobs = self._jobs, []
        queued = 0
        for job in jobs:
            options: dict[str, Any] = {}
            if job.queueing_lock is not None:
                options["queueing_lock"] = job.queueing_lock
            if job.lock is not None:
                options["lock"] = job.lock
            try:
                await job.task.configure(**options).defer_async(**job.kwargs)
            except AlreadyEnqueued:
                continue
            except Exception:
                log.warning(
                    "deferring %s failed; its sweeper will retry", job.task.name, exc_info=True
                )
                continue
            queued += 1
        return queued


_current: ContextVar[JobQueueManager | None] = ContextVar("job_queue_manager", default=None)


@contextlib.contextmanager
def job_queue_scope() -> Iterator[JobQueueManager]:
    """Collect the jobs asked for inside the block; whatever was not flushed by its end
    is dropped (the work failed, or nothing committed it)."""
    manager = JobQueueManager()
    token = _current.set(manager)
    try:
        yield manager
    finally:
        _current.reset(token)
        if manager.jobs:
            log.info("%d job(s) asked for were not deferred: nothing committed", len(manager.jobs))
        manager.discard()


def current_job_queue() -> JobQueueManager | None:
    """The manager of the request or job running in this context, if any."""
    return _current.get()


def enqueue(task: Task[Any, Any, Args], /, *_: Args.args, **kwargs: Args.kwargs) -> None:
    """Ask for `task(**kwargs)` once the current request's (or job's) work commits. The
    arguments are type-checked against the task's own signature.

    Outside a request or a job (a script, a test calling a service) there is no commit
    to wait for and nobody to flush: the request is dropped with a warning, and the
    area's sweeper does the work.
    """
    _ask(task, None, None, kwargs)


def enqueue_locked(
    task: Task[Any, Any, Args], /, *, queueing_lock: str | None = None, lock: str | None = None
) -> Callable[Args, None]:
    """`enqueue` with procrastinate's locks: `enqueue_locked(t, queueing_lock=k)(**kwargs)`.
    `queueing_lock`: never two such jobs waiting (a second ask is dropped at the defer);
    `lock`: never two running at once."""

    def ask(*_: Args.args, **kwargs: Args.kwargs) -> None:
        _ask(task, queueing_lock, lock, kwargs)

    return ask


def _ask(
    task: Task[Any, Any, Any],
    queueing_lock: str | None,
    lock: str | None,
    kwargs: dict[str, Any],
) -> None:
    manager = _current.get()
    if manager is None:
        log.warning("%s asked for outside a request or job; its sweeper will run it", task.name)
        return
    manager.enqueue(task, queueing_lock=queueing_lock, lock=lock, **kwargs)


async def flush_after_job(call_next: AsyncCallNext, context: JobContext, worker: Worker) -> Any:
    """procrastinate worker middleware: jobs that a job asks for are deferred once it
    has returned (its own sessions committed); a job that fails defers nothing."""
    with job_queue_scope() as manager:
        result = await call_next()
        await manager.flush()
        return result
