"""What the worker records around every job: its duration (by task and outcome) and a
log context (job id, task name, and the id of the request that queued it).

A request's id travels with its job as one reserved keyword argument that the worker
takes out before the task sees its arguments, so tasks keep plain signatures.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from procrastinate.exceptions import JobAborted
from procrastinate.job_context import JobContext
from procrastinate.middleware import AsyncCallNext
from procrastinate.worker import Worker

from api.lib.context import job_var, request_id_var
from api.server.metrics import JOB_DURATION

REQUEST_ID_KWARG = "_request_id"

job_logger = logging.getLogger("sitecheck.jobs")


def with_request_id(kwargs: dict[str, Any]) -> dict[str, Any]:
    """The job's arguments plus the current request's id (inside a request, or inside a
    job that a request queued); unchanged elsewhere."""
    rid = request_id_var.get()
    return {**kwargs, REQUEST_ID_KWARG: rid} if rid else kwargs


async def observe_job(call_next: AsyncCallNext, context: JobContext, worker: Worker) -> Any:
    """procrastinate worker middleware: wraps each job on the event loop (sync tasks
    run in a thread that inherits this context)."""
    job = context.job
    rid = job.task_kwargs.pop(REQUEST_ID_KWARG, None)
    job_token = job_var.set({"job_id": str(job.id), "task": job.task_name})
    rid_token = request_id_var.set(str(rid) if rid else None)
    started = time.perf_counter()
    outcome = "failed"
    try:
        result = await call_next()
        outcome = "succeeded"
        return result
    except (JobAborted, asyncio.CancelledError):
        outcome = "aborted"
        raise
    finally:
        elapsed = time.perf_counter() - started
        JOB_DURATION.labels(job.task_name, outcome).observe(elapsed)
        # One line per job, like the access line per request: with the job's context
        # (id, task, request id) that procrastinate's own lines lack.
        job_logger.info("job", extra={"outcome": outcome, "duration_ms": round(elapsed * 1000, 1)})
        request_id_var.reset(rid_token)
        job_var.reset(job_token)
