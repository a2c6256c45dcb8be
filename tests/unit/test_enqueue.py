"""The one after-commit job queue: what is asked for is deferred once, after a commit,
and a failed request or job defers nothing (api/jobs/enqueue.py, api/jobs/queue.py)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, cast

import pytest
from advanced_alchemy.extensions.litestar._utils import set_aa_scope_state
from advanced_alchemy.extensions.litestar.plugins.init.config.common import SESSION_SCOPE_KEY
from litestar.types import HTTPResponseStartEvent, Message, Scope
from procrastinate.exceptions import AlreadyEnqueued
from procrastinate.job_context import JobContext
from procrastinate.tasks import Task
from procrastinate.worker import Worker

from api.jobs.enqueue import (
    current_job_queue,
    enqueue,
    enqueue_locked,
    flush_after_job,
    job_queue_scope,
)
from api.jobs.queue import commit_then_defer
from api.lib.context import request_id_var


@dataclass
class FakeTask:
    """Records what a procrastinate task would have inserted into its queue."""

    name: str = "area:area.task"
    deferred: list[tuple[dict[str, Any], dict[str, Any]]] = field(default_factory=list)
    refuse: type[Exception] | None = None

    def configure(self, **options: Any) -> Any:
        async def defer_async(**kwargs: Any) -> int:
            if self.refuse is not None:
                raise self.refuse("refused")
            self.deferred.append((options, kwargs))
            return len(self.deferred)

        return SimpleNamespace(defer_async=defer_async)

    def as_task(self) -> Task[..., Any, ...]:
        return cast("Task[..., Any, ...]", self)


async def test_jobs_wait_for_the_flush_and_are_deferred_once() -> None:
    task = FakeTask()
    token = request_id_var.set("req-1")
    try:
        with job_queue_scope() as jobs:
            enqueue_locked(task.as_task(), queueing_lock="q:1", lock="l:1")(photo_id="p1")
            enqueue(task.as_task(), photo_id="p2")
            assert task.deferred == []
            assert await jobs.flush() == 2
            assert await jobs.flush() == 0
    finally:
        request_id_var.reset(token)
    assert task.deferred == [
        ({"queueing_lock": "q:1", "lock": "l:1"}, {"photo_id": "p1", "_request_id": "req-1"}),
        ({}, {"photo_id": "p2", "_request_id": "req-1"}),
    ]


async def test_a_job_already_waiting_or_a_queue_failure_is_not_counted(
    caplog: pytest.LogCaptureFixture,
) -> None:
    waiting = FakeTask(refuse=AlreadyEnqueued)
    broken = FakeTask(name="area:area.broken", refuse=ConnectionError)
    fine = FakeTask()
    with job_queue_scope() as jobs:
        enqueue_locked(waiting.as_task(), queueing_lock="q")(photo_id="p")
        enqueue(broken.as_task(), photo_id="p")
        enqueue(fine.as_task(), photo_id="p")
        with caplog.at_level(logging.WARNING, "api.jobs.enqueue"):
            assert await jobs.flush() == 1
    assert len(fine.deferred) == 1
    assert "area:area.broken" in caplog.text


async def test_what_is_not_flushed_is_dropped_with_its_scope() -> None:
    task = FakeTask()
    with job_queue_scope() as jobs:
        enqueue(task.as_task(), photo_id="p")
    assert current_job_queue() is None
    assert await jobs.flush() == 0
    assert task.deferred == []


def test_outside_a_request_or_job_nothing_is_queued(caplog: pytest.LogCaptureFixture) -> None:
    task = FakeTask()
    with caplog.at_level(logging.WARNING, "api.jobs.enqueue"):
        enqueue(task.as_task(), photo_id="p")
    assert task.deferred == []
    assert "sweeper" in caplog.text


async def test_a_job_defers_what_it_asked_for_only_when_it_returns() -> None:
    task = FakeTask()
    context = cast(JobContext, None)
    worker = cast(Worker, None)

    async def succeeds() -> str:
        enqueue(task.as_task(), n=1)
        return "done"

    async def fails() -> str:
        enqueue(task.as_task(), n=2)
        raise RuntimeError("the job failed")

    assert await flush_after_job(succeeds, context, worker) == "done"
    with pytest.raises(RuntimeError):
        await flush_after_job(fails, context, worker)
    assert task.deferred == [({}, {"n": 1})]


class FakeSession:
    def __init__(self, fail_commit: bool = False) -> None:
        self.fail_commit = fail_commit
        self.calls: list[str] = []

    async def commit(self) -> None:
        self.calls.append("commit")
        if self.fail_commit:
            raise ConnectionError("the database went away")

    async def rollback(self) -> None:
        self.calls.append("rollback")

    async def close(self) -> None:
        self.calls.append("close")


class FakeJobQueue:
    def __init__(self) -> None:
        self.opened = 0

    async def ensure_open(self) -> None:
        self.opened += 1


async def _respond(status: int, session: FakeSession | None) -> tuple[FakeTask, FakeJobQueue]:
    """One request through the before-send hook: asks for a job, answers `status`."""
    task = FakeTask()
    queue = FakeJobQueue()
    scope = cast(Scope, {"app": SimpleNamespace(state=SimpleNamespace(jobs=queue))})
    if session is not None:
        set_aa_scope_state(scope, SESSION_SCOPE_KEY, session)
    handler = commit_then_defer()
    with job_queue_scope():
        enqueue(task.as_task(), n=status)
        start: HTTPResponseStartEvent = {
            "type": "http.response.start",
            "status": status,
            "headers": [],
        }
        await handler(cast(Message, start), scope)
    return task, queue


async def test_a_committed_request_defers_its_jobs_before_it_answers() -> None:
    session = FakeSession()
    task, queue = await _respond(201, session)
    assert session.calls == ["commit", "close"]
    assert task.deferred == [({}, {"n": 201})]
    assert queue.opened == 1


async def test_a_failed_request_defers_nothing() -> None:
    session = FakeSession()
    task, queue = await _respond(409, session)
    assert session.calls == ["rollback", "close"]
    assert task.deferred == []
    assert queue.opened == 0


async def test_a_request_whose_commit_failed_defers_nothing() -> None:
    session = FakeSession(fail_commit=True)
    task, _ = await _respond(200, session)
    assert session.calls == ["commit", "close"]
    assert task.deferred == []


async def test_a_request_without_a_session_still_defers() -> None:
    task, _ = await _respond(204, None)
    assert task.deferred == [({}, {"n": 204})]
