"""The worker's own small HTTP endpoint: /metrics, /health/live, /health/ready.

A worker serves no API, but an orchestrator must still probe it and Prometheus must
still scrape its job durations and model latency. A stdlib server in a daemon thread
is enough for a probe every few seconds; the checks themselves are coroutines run on
the worker's event loop (its database engine and object store live there), so a
worker whose loop is wedged answers not-alive instead of a cheerful 200.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from api.config import Settings
from api.domain.system.health import CHECK_TIMEOUT_S, readiness
from api.jobs.depth import refresh_queue_depth
from api.jobs.runtime import JobRuntime
from api.server.metrics import FORWARDING_HEADERS, exposition, may_scrape

log = logging.getLogger(__name__)

# The loop must pick up a no-op within this, or the worker counts as stalled.
LOOP_RESPONSE_S = 5.0


class WorkerHttpUnavailable(RuntimeError):
    """The configured host/port cannot be bound; the message says what to change."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # Closing must not wait for a probe that waits for the (closing) loop.
    block_on_close = False

    def __init__(
        self,
        address: tuple[str, int],
        loop: asyncio.AbstractEventLoop,
        runtime: JobRuntime,
        token: str | None,
    ) -> None:
        super().__init__(address, _Handler)
        self.loop = loop
        self.runtime = runtime
        self.token = token

    def on_loop(self, coro: Coroutine[Any, Any, Any], timeout: float) -> Any:
        """Run a coroutine on the worker's loop and wait for it from this thread."""
        future = asyncio.run_coroutine_threadsafe(coro, self.loop)
        try:
            return future.result(timeout=timeout)
        except BaseException:
            future.cancel()
            raise


async def _noop() -> None:
    return None


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path == "/health/live":
            self._live()
        elif path == "/health/ready":
            self._ready()
        elif path == "/metrics":
            self._metrics()
        else:
            self._json(404, {"status": 404, "code": "not_found", "title": "Not found"})

    def _live(self) -> None:
        try:
            self.server.on_loop(_noop(), LOOP_RESPONSE_S)
        except Exception:
            self._json(503, {"status": "stalled"})
            return
        self._json(200, {"status": "ok"})

    def _ready(self) -> None:
        rt = self.server.runtime
        try:
            ready, body = self.server.on_loop(
                readiness(rt.engine, rt.store), CHECK_TIMEOUT_S + LOOP_RESPONSE_S
            )
        except Exception:
            ready, body = False, {"status": "unavailable", "worker": "stalled"}
        self._json(200 if ready else 503, body)

    def _metrics(self) -> None:
        allowed = may_scrape(
            self.server.token,
            self.headers.get("Authorization"),
            peer=str(self.client_address[0]),
            # The address the server is bound to: 0.0.0.0 (a container) is not loopback.
            local=str(self.server.server_address[0]),
            forwarded=any(name in self.headers for name in FORWARDING_HEADERS),
        )
        if not allowed:
            self._json(
                401,
                {"status": 401, "code": "metrics_token_required", "title": "Bearer token needed"},
                media_type="application/problem+json",
                extra_headers={"WWW-Authenticate": "Bearer"},
            )
            return
        try:
            self.server.on_loop(refresh_queue_depth(self.server.runtime.engine), LOOP_RESPONSE_S)
        except Exception:
            # Durations and latencies are still worth a scrape without the depth.
            log.warning("queue depth not refreshed for a scrape", exc_info=True)
        body, content_type = exposition()
        self._send(200, body, content_type)

    def _json(
        self,
        status: int,
        body: dict[str, Any],
        media_type: str = "application/json",
        extra_headers: dict[str, str] | None = None,
    ) -> None:
        self._send(status, json.dumps(body).encode(), media_type, extra_headers)

    def _send(
        self,
        status: int,
        body: bytes,
        content_type: str,
        extra_headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        for name, value in (extra_headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        # A probe every few seconds would drown the job logs; errors still go to log_error.
        return

    def log_error(self, format: str, *args: Any) -> None:
        log.warning("worker http: " + format, *args)


@contextmanager
def worker_http_server(settings: Settings, runtime: JobRuntime) -> Iterator[int | None]:
    """Serve the worker's endpoints for the block (none when the port is 0); yields the
    bound port. Call it from the worker's event loop."""
    if settings.worker.http_port == 0:
        yield None
        return
    address = (settings.worker.http_host, settings.worker.http_port)
    try:
        server = _Server(
            address, asyncio.get_running_loop(), runtime, settings.observability.metrics_token
        )
    except OSError as exc:
        # Typically a second worker process on the same host with the default port.
        raise WorkerHttpUnavailable(
            f"worker HTTP endpoint cannot listen on {address[0]}:{address[1]} ({exc.strerror});"
            " give each worker process its own SITECHECK_WORKER_HTTP_PORT, or 0 for none"
        ) from exc
    thread = threading.Thread(target=server.serve_forever, name="worker-http", daemon=True)
    thread.start()
    port = int(server.server_address[1])
    log.info(
        "worker http listening",
        extra={"host": settings.worker.http_host, "port": port},
    )
    try:
        yield port
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
