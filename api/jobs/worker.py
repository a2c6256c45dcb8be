"""Run queued jobs: `python -m api.jobs.worker` in production (scale by adding processes),
inside the API process under `make run`, and `run_until_idle` in tests."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
from collections.abc import Iterable
from typing import cast

from api.config import Settings
from api.domain.hazards.model_check import HazardModelUnusable, load_detector
from api.jobs.app import job_app, job_app_open
from api.jobs.enqueue import flush_after_job
from api.jobs.housekeeping import stalled_jobs_requeued
from api.jobs.http import WorkerHttpUnavailable, worker_http_server
from api.jobs.observe import observe_job
from api.jobs.runtime import JobRuntime, job_runtime, set_job_runtime
from api.server.logs import configure_logging

log = logging.getLogger(__name__)


async def run_worker(
    settings: Settings,
    *,
    concurrency: int = 1,
    wait: bool = True,
    install_signal_handlers: bool = True,
    open_app: bool = True,
    queues: list[str] | None = None,
    http: bool = False,
) -> None:
    """Run jobs until cancelled (wait=True) or until the queue is empty (wait=False).

    `queues` limits the worker to those queues (all when None): hazard inference runs on
    the "inference" queue, so photo checks can get processes (or machines) of their own
    while a small worker keeps alerts, sweeps and webhooks moving.

    `http` serves the worker's /metrics and health probes on SITECHECK_WORKER_HTTP_PORT
    (the `python -m api.jobs.worker` process; an in-process worker shares the API's).

    Concurrency 1 by default: the heavy tasks (inference, face checks) already use every
    core through their thread pools, so more parallel jobs per process would only queue
    inside it; scale with processes instead.
    """
    runtime = JobRuntime.create(settings)
    set_job_runtime(runtime)
    try:
        async with contextlib.AsyncExitStack() as stack:
            if open_app:
                await stack.enter_async_context(job_app_open(settings.db.url))
            if http:
                stack.enter_context(worker_http_server(settings, runtime))
            if wait:
                await stack.enter_async_context(
                    stalled_jobs_requeued(job_app, settings.worker.job_stalled_s)
                )
            await job_app.run_worker_async(
                concurrency=concurrency,
                # None means every queue (procrastinate's documented default; its type
                # hint omits None).
                queues=cast("Iterable[str]", queues),
                wait=wait,
                install_signal_handlers=install_signal_handlers,
                listen_notify=wait,
                # Two shutdown signals in a row stop at once; one lets running jobs finish.
                shutdown_graceful_timeout=30,
                # A killed worker's jobs are re-queued once it has missed about three
                # heartbeats (api/jobs/housekeeping.py).
                update_heartbeat_interval=settings.worker.job_stalled_s / 3,
                stalled_worker_timeout=settings.worker.job_stalled_s,
                # Job durations and the job's log context (id, task, queuing request);
                # then the jobs a job asked for, deferred once it returned.
                worker_middleware=[observe_job, flush_after_job],
            )
    finally:
        await runtime.engine.dispose()
        set_job_runtime(None)


async def run_until_idle(settings: Settings, *, queues: list[str] | None = None) -> None:
    """Run every job that is due now, then return (tests and one-off maintenance)."""
    await run_worker(settings, wait=False, install_signal_handlers=False, queues=queues)


def main() -> None:
    parser = argparse.ArgumentParser(description="Run SiteCheck background jobs.")
    parser.add_argument(
        "--concurrency",
        type=int,
        default=int(os.environ.get("SITECHECK_WORKER_CONCURRENCY", "1")),
    )
    parser.add_argument(
        "--queues",
        default=os.environ.get("SITECHECK_WORKER_QUEUES", ""),
        help="comma-separated queues to take jobs from (default: all), e.g. inference",
    )
    args = parser.parse_args()
    queues = [q.strip() for q in args.queues.split(",") if q.strip()] or None
    settings = Settings.from_env()
    configure_logging(settings.observability.log_level)
    if queues is None or "inference" in queues:
        # Fail at start, not on every photo, when the hazard model and policy do not fit.
        try:
            load_detector(settings)
        except HazardModelUnusable as exc:
            raise SystemExit(str(exc)) from exc
    log.info("worker starting", extra={"concurrency": args.concurrency, "queues": queues})
    try:
        asyncio.run(run_worker(settings, concurrency=args.concurrency, queues=queues, http=True))
    except WorkerHttpUnavailable as exc:
        raise SystemExit(str(exc)) from exc


__all__ = ["job_runtime", "main", "run_until_idle", "run_worker"]

if __name__ == "__main__":
    main()
