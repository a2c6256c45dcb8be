"""Metrics and job log context without services: labels stay bounded, outcomes are
counted, a job's log lines say which job (and which request) they belong to."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import socket
from typing import Any

import pytest
from procrastinate.job_context import JobContext
from procrastinate.jobs import Job
from prometheus_client import REGISTRY

from api.config import ConfigError, Settings
from api.jobs.app import job_app
from api.jobs.http import WorkerHttpUnavailable, worker_http_server
from api.jobs.observe import REQUEST_ID_KWARG, observe_job, with_request_id
from api.lib.context import job_var, request_id_var
from api.server.logs import JsonFormatter
from api.server.metrics import (
    http_metrics_middleware,
    may_scrape,
    model_timer,
)
from infra.local.processes import free_port

HTTP = "sitecheck_http_request_duration_seconds_count"
BASE_ENV = {
    "DATABASE_URL": "postgresql+asyncpg://u:p@127.0.0.1:5432/db",
    "S3_ACCESS_KEY_ID": "k",
    "S3_SECRET_ACCESS_KEY": "s",
    "SITECHECK_JWT_SECRET": "x" * 40,
}


def _count(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def _app(template: str | None, status: int) -> Any:
    """A stand-in for Litestar's handler: the router writes the template, then answers."""

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if template is not None:
            scope["path_template"] = template
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    return app


async def _call(app: Any, method: str, path: str) -> None:
    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(_message: Any) -> None:
        return None

    scope = {"type": "http", "method": method, "path": path, "headers": []}
    await app(scope, receive, send)


async def test_route_label_is_the_template_never_the_path() -> None:
    template = "/api/sites/{site_id}"
    before = _count(HTTP, method="GET", route=template, status="200")
    wrapped = http_metrics_middleware(_app(template, 200))
    for n in range(3):
        await _call(wrapped, "GET", f"/api/sites/00000000-0000-0000-0000-00000000000{n}")
    assert _count(HTTP, method="GET", route=template, status="200") == before + 3
    exposed = [
        s.labels["route"]
        for metric in REGISTRY.collect()
        if metric.name == "sitecheck_http_request_duration_seconds"
        for s in metric.samples
    ]
    assert not any("0000" in route for route in exposed)


async def test_unrouted_and_catch_all_404_are_unmatched_and_odd_methods_other() -> None:
    before = _count(HTTP, method="POST", route="unmatched", status="405")
    await _call(http_metrics_middleware(_app(None, 405)), "POST", "/nothing/here")
    assert _count(HTTP, method="POST", route="unmatched", status="405") == before + 1

    before = _count(HTTP, method="GET", route="unmatched", status="404")
    await _call(http_metrics_middleware(_app("/{path}", 404)), "GET", "/api/nope")
    assert _count(HTTP, method="GET", route="unmatched", status="404") == before + 1
    # The PWA shell served for a client-side route keeps its template.
    before = _count(HTTP, method="GET", route="/{path}", status="200")
    await _call(http_metrics_middleware(_app("/{path}", 200)), "GET", "/s/ABC")
    assert _count(HTTP, method="GET", route="/{path}", status="200") == before + 1

    before = _count(HTTP, method="other", route="unmatched", status="405")
    await _call(http_metrics_middleware(_app(None, 405)), "BREW", "/coffee")
    assert _count(HTTP, method="other", route="unmatched", status="405") == before + 1


def test_who_may_scrape() -> None:
    token = "t" * 24
    here: dict[str, Any] = {"peer": "127.0.0.1", "local": "127.0.0.1", "forwarded": False}
    assert may_scrape(token, f"Bearer {token}", **here)
    assert may_scrape(
        token, f"bearer {token}", peer="203.0.113.9", local="10.0.0.5", forwarded=True
    )
    assert not may_scrape(token, None, **here)
    assert not may_scrape(token, token, **here)
    assert not may_scrape(token, f"Bearer {token}x", **here)
    assert not may_scrape(token, f"Basic {token}", **here)
    assert not may_scrape(token, "Bearer \xff\u00e9", **here)  # a latin-1 header, no 500
    # No token configured: this host over loopback only.
    assert may_scrape(None, None, **here)
    assert may_scrape("", "anything", peer="::1", local="::1", forwarded=False)
    assert may_scrape(None, None, peer="::ffff:127.0.0.1", local="127.0.0.9", forwarded=False)
    for peer, local, forwarded in (
        ("10.0.0.7", "10.0.0.5", False),  # another machine
        ("127.0.0.1", "0.0.0.0", False),  # noqa: S104 - a worker bound to every address
        ("10.0.0.7", "127.0.0.1", False),
        ("127.0.0.1", "127.0.0.1", True),  # relayed by a proxy on this host
        ("testclient", "testserver.local", False),
        (None, None, False),
    ):
        assert not may_scrape(None, None, peer=peer, local=local, forwarded=forwarded)


def _get(port: int, path: str, headers: dict[str, str] | None = None) -> int:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
        lines = [f"GET {path} HTTP/1.1", "Host: x", "Connection: close"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        conn.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    return int(answer.split(b" ", 2)[1])


class _NoDatabase:
    engine = None  # the scrape's queue depth fails and is left out


async def test_the_worker_serves_metrics_without_a_token_only_on_loopback() -> None:
    base = Settings.from_env(BASE_ENV)
    for host, token, headers, status in (
        ("127.0.0.1", None, {}, 200),
        ("127.0.0.1", None, {"X-Forwarded-For": "203.0.113.9"}, 401),
        ("0.0.0.0", None, {}, 401),  # noqa: S104 - a container's worker
        ("0.0.0.0", "t" * 24, {"Authorization": "Bearer " + "t" * 24}, 200),  # noqa: S104
    ):
        settings = dataclasses.replace(
            base,
            worker=dataclasses.replace(base.worker, http_port=free_port(), http_host=host),
            observability=dataclasses.replace(base.observability, metrics_token=token),
        )
        with worker_http_server(settings, runtime=_NoDatabase()) as port:  # type: ignore[arg-type]
            assert port is not None
            answer = await asyncio.to_thread(_get, port, "/metrics", headers)
            assert answer == status, (host, token, headers)


def test_model_timer_counts_failed_calls_too() -> None:
    before = _count("sitecheck_model_latency_seconds_count", model="face")
    with model_timer("face"):
        pass
    with pytest.raises(ValueError, match="no face"), model_timer("face"):
        raise ValueError("no face")
    assert _count("sitecheck_model_latency_seconds_count", model="face") == before + 2


def _context(task: str, **kwargs: Any) -> JobContext:
    job = Job(
        id=42, queue="default", lock=None, queueing_lock=None, task_name=task, task_kwargs=kwargs
    )
    return JobContext(start_timestamp=0.0, job=job, app=job_app, abort_reason=lambda: None)


async def test_job_middleware_times_outcomes_and_sets_log_context(
    caplog: pytest.LogCaptureFixture,
) -> None:
    task = "unit:metrics.probe"
    context = _context(task, photo_id="p1", **{REQUEST_ID_KWARG: "req-7"})
    seen: dict[str, Any] = {}

    async def run() -> str:
        # What the task itself would see: its own arguments only, and the context.
        seen["kwargs"] = dict(context.job.task_kwargs)
        seen["job"] = job_var.get()
        seen["rid"] = request_id_var.get()
        return "done"

    ok_before = _count("sitecheck_job_duration_seconds_count", task=task, outcome="succeeded")
    # Formatted when logged, as the process's stdout handler does.
    lines: list[str] = []

    class Capture(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(self.format(record))

    handler = Capture()
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("sitecheck.jobs")
    logger.addHandler(handler)
    try:
        with caplog.at_level(logging.INFO, logger="sitecheck.jobs"):
            assert await observe_job(run, context, None) == "done"  # type: ignore[arg-type]
    finally:
        logger.removeHandler(handler)
    assert seen == {
        "kwargs": {"photo_id": "p1"},
        "job": {"job_id": "42", "task": task},
        "rid": "req-7",
    }
    assert job_var.get() is None
    assert request_id_var.get() is None
    assert (
        _count("sitecheck_job_duration_seconds_count", task=task, outcome="succeeded")
        == ok_before + 1
    )
    line = json.loads(lines[-1])
    assert (line["job_id"], line["task"], line["request_id"]) == ("42", task, "req-7")
    assert line["outcome"] == "succeeded"

    async def boom() -> None:
        raise RuntimeError("model crashed")

    async def cancelled() -> None:
        raise asyncio.CancelledError

    failed = _count("sitecheck_job_duration_seconds_count", task=task, outcome="failed")
    with pytest.raises(RuntimeError):
        await observe_job(boom, _context(task), None)  # type: ignore[arg-type]
    assert _count("sitecheck_job_duration_seconds_count", task=task, outcome="failed") == failed + 1
    aborted = _count("sitecheck_job_duration_seconds_count", task=task, outcome="aborted")
    with pytest.raises(asyncio.CancelledError):
        await observe_job(cancelled, _context(task), None)  # type: ignore[arg-type]
    assert (
        _count("sitecheck_job_duration_seconds_count", task=task, outcome="aborted") == aborted + 1
    )


def test_request_id_travels_only_from_a_request() -> None:
    assert with_request_id({"a": 1}) == {"a": 1}
    token = request_id_var.set("req-9")
    try:
        assert with_request_id({"a": 1}) == {"a": 1, REQUEST_ID_KWARG: "req-9"}
    finally:
        request_id_var.reset(token)


def test_observability_settings() -> None:
    settings = Settings.from_env(BASE_ENV)
    assert (settings.worker.http_port, settings.worker.http_host) == (9101, "127.0.0.1")
    assert settings.observability.metrics_token is None
    custom = Settings.from_env(
        {
            **BASE_ENV,
            "SITECHECK_WORKER_HTTP_PORT": "0",
            "SITECHECK_WORKER_HTTP_HOST": "10.1.2.3",
            "SITECHECK_METRICS_TOKEN": "m" * 24,
        }
    )
    assert (custom.worker.http_port, custom.worker.http_host) == (0, "10.1.2.3")
    assert custom.observability.metrics_token == "m" * 24
    assert "m" * 24 not in repr(custom)
    for bad in (
        {"SITECHECK_WORKER_HTTP_PORT": "70000"},
        {"SITECHECK_WORKER_HTTP_PORT": "-1"},
        {"SITECHECK_WORKER_HTTP_PORT": "http"},
        {"SITECHECK_METRICS_TOKEN": "short"},
    ):
        with pytest.raises(ConfigError):
            Settings.from_env({**BASE_ENV, **bad})


async def test_worker_http_port_in_use_is_a_clear_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        base = Settings.from_env(BASE_ENV)
        settings = dataclasses.replace(
            base, worker=dataclasses.replace(base.worker, http_port=port, http_host="127.0.0.1")
        )
        with (
            pytest.raises(WorkerHttpUnavailable, match="SITECHECK_WORKER_HTTP_PORT"),
            worker_http_server(settings, runtime=None),  # type: ignore[arg-type]
        ):
            pass
    off = dataclasses.replace(settings, worker=dataclasses.replace(settings.worker, http_port=0))
    with worker_http_server(off, runtime=None) as bound:  # type: ignore[arg-type]
        assert bound is None
