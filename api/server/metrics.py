"""Prometheus metrics of one process (API or worker), under the names agreed in DESIGN.md.

Every metric lives in prometheus_client's default registry, which also carries the
process collector (CPU seconds, resident memory, open files): those are what an
autoscaler and an operator read next to ours.

Labels are bounded on purpose: a route is the route template (never the raw path, which
an attacker or a crawler could make unbounded), a method outside the HTTP verbs is
"other", a task is a registered task name, a model is hazard or face.
"""

from __future__ import annotations

import hmac
import ipaddress
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

from litestar.types import ASGIApp, Message, Receive, Scope, Send
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Gauge, Histogram, generate_latest

UNMATCHED_ROUTE = "unmatched"
# The PWA's catch-all route: its 404s are paths that match nothing either.
_CATCH_ALL_ROUTE = "/{path}"
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

HTTP_REQUEST_DURATION = Histogram(
    "sitecheck_http_request_duration_seconds",
    "Time from a request's arrival to its last response byte, by route template.",
    ("method", "route", "status"),
    # From a cached read (~2 ms) to a full-size upload on one bar of signal.
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
JOB_QUEUE_DEPTH = Gauge(
    "sitecheck_job_queue_depth",
    "Jobs waiting (todo) or running (doing) per queue, counted when scraped.",
    ("queue", "status"),
)
JOB_DURATION = Histogram(
    "sitecheck_job_duration_seconds",
    "Wall time of one background job, by task and outcome.",
    ("task", "outcome"),
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0),
)
MODEL_LATENCY = Histogram(
    "sitecheck_model_latency_seconds",
    "Time inside one model call (hazard detection of a photo, face encoding of a selfie),"
    " without the wait for a free slot.",
    ("model",),
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0),
)


@contextmanager
def model_timer(model: Literal["hazard", "face"]) -> Iterator[None]:
    """Observe the block's duration as one call of `model` (thread-safe: the models run
    in worker threads)."""
    started = time.perf_counter()
    try:
        yield
    finally:
        MODEL_LATENCY.labels(model).observe(time.perf_counter() - started)


def exposition() -> tuple[bytes, str]:
    """The text format of every metric of this process, and its content type."""
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


# Headers a reverse proxy adds: a request carrying one was relayed from elsewhere,
# even though it reaches us from a loopback peer.
FORWARDING_HEADERS = ("forwarded", "x-forwarded-for", "x-real-ip")


def _is_loopback(host: str | None) -> bool:
    try:
        address = ipaddress.ip_address(host or "")
    except ValueError:
        return False  # a unix socket, a test client's made-up name
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


def may_scrape(
    expected: str | None,
    authorization: str | None,
    *,
    peer: str | None,
    local: str | None,
    forwarded: bool,
) -> bool:
    """With a token configured, a scrape must carry `Authorization: Bearer <token>`
    (compared in constant time). Without one, metrics are served only from this host
    to itself: a loopback peer on a loopback address, not relayed by a proxy. That
    keeps `make run` (bound to 127.0.0.1) scrapable as it is, while a scrape from
    anywhere else (another machine, an orchestrator reaching a container) needs a
    token. The API sees the address each connection reached, not the one it listens
    on; a loopback connection comes from this host (or pod) either way."""
    if expected:
        scheme, _, given = (authorization or "").partition(" ")
        # As bytes: compare_digest raises on a str with non-ASCII characters, which a
        # header can carry (latin-1).
        presented = given.strip().encode("utf-8", "surrogateescape")
        return scheme.lower() == "bearer" and hmac.compare_digest(presented, expected.encode())
    return not forwarded and _is_loopback(peer) and _is_loopback(local)


def http_metrics_middleware(app: ASGIApp) -> ASGIApp:
    """Time every HTTP request by route template. It wraps Litestar's whole handler,
    the router included, so requests the router refuses (no such route, wrong method)
    are counted too, as route="unmatched"."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # type: ignore[comparison-overlap]
            await app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_recording_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await app(scope, receive, send_recording_status)
        finally:
            method = scope.get("method", "")
            # The router writes the matched template into the scope; the raw path is
            # never a label.
            route = scope.get("path_template") or UNMATCHED_ROUTE
            if route == _CATCH_ALL_ROUTE and status == 404:
                route = UNMATCHED_ROUTE
            HTTP_REQUEST_DURATION.labels(
                method if method in _METHODS else "other", route, str(status)
            ).observe(time.perf_counter() - started)

    return middleware
