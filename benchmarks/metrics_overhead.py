"""Benchmark: what the request-latency metric costs per request, and what a scrape costs.

Starts a throwaway PostGIS + S3 (``EmbeddedStack`` in a temporary folder, removed at the
end), applies the migrations, then serves the real app with uvicorn on 127.0.0.1 twice,
once as shipped and once with the metrics middleware taken out (everything else the
same), alternating ROUNDS times. Each serving gets WARMUP requests, then N requests of
each probe: ``GET /health/live`` (the cheapest route: the middleware's share is largest
there) and ``GET /api/me`` as the bootstrap admin (JWT auth, a cached user row).
The server's own CPU seconds (utime + stime from /proc) are read before and after, so
the number is CPU per request, which a shared 2-core machine disturbs far less than
wall time. Finally it times the ``/metrics`` scrape (exposition plus the queue-depth
count) and a direct loop of the histogram's ``observe``.

Usage::

    uv run python -m benchmarks.metrics_overhead [--requests N] [--rounds R]
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from litestar import Litestar

from api.db.migrate import upgrade
from api.server.metrics import HTTP_REQUEST_DURATION, http_metrics_middleware
from benchmarks.cpu import process_cpu_s
from infra.local.embedded import EmbeddedStack
from infra.local.processes import api_command, child_env, free_port, spawn, stop, wait_until_ok

WARMUP = 300
CONCURRENCY = 4


def app_without_metrics() -> Litestar:
    """The shipped app with the metrics middleware replaced by nothing (the baseline)."""
    import api.app

    original = api.app.__dict__["http_metrics_middleware"]
    # Patched where create_app looks it up; the benchmark's baseline only.
    setattr(api.app, "http_metrics_middleware", lambda app: app)  # noqa: B010
    try:
        return api.app.create_app()
    finally:
        setattr(api.app, "http_metrics_middleware", original)  # noqa: B010


def _serve(env: dict[str, str], factory: str, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = spawn(api_command(port, factory), child_env(env), log, append=True)
    base = f"http://127.0.0.1:{port}"
    wait_until_ok(proc, f"{base}/health/live", log, 90)
    return proc, base


async def _drive(base: str, path: str, n: int, headers: dict[str, str]) -> None:
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as client:
        todo = iter(range(n))

        async def one_client() -> None:
            for _ in todo:
                response = await client.get(path)
                if response.status_code != 200:
                    raise RuntimeError(f"{path}: {response.status_code} {response.text[:200]}")

        await asyncio.gather(*(one_client() for _ in range(CONCURRENCY)))


def _cpu_per_request_us(pid: int, run: Callable[[], None], n: int) -> float:
    before = process_cpu_s(pid)
    run()
    return (process_cpu_s(pid) - before) / n * 1e6


def _measure(env: dict[str, str], factory: str, n: int, log: Path) -> dict[str, Any]:
    proc, base = _serve(env, factory, log)
    try:
        login, password = env["SITECHECK_BOOTSTRAP_ADMIN"].split(":", 1)
        token = httpx.post(
            f"{base}/api/auth/login", json={"login": login, "password": password}, timeout=30
        ).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        asyncio.run(_drive(base, "/health/live", WARMUP, {}))
        asyncio.run(_drive(base, "/api/me", WARMUP, auth))
        result: dict[str, Any] = {
            "live": _cpu_per_request_us(
                proc.pid, lambda: asyncio.run(_drive(base, "/health/live", n, {})), n
            ),
            "me": _cpu_per_request_us(
                proc.pid, lambda: asyncio.run(_drive(base, "/api/me", n, auth)), n
            ),
        }
        scrapes = []
        for _ in range(20):
            started = time.perf_counter()
            httpx.get(f"{base}/metrics", timeout=10).raise_for_status()
            scrapes.append((time.perf_counter() - started) * 1000)
        result["scrape_ms"] = statistics.median(scrapes)
        result["scrape_bytes"] = len(httpx.get(f"{base}/metrics", timeout=10).content)
        return result
    finally:
        stop(proc, 20)


def _observe_ns(loops: int = 200_000) -> float:
    child = HTTP_REQUEST_DURATION.labels("GET", "/api/bench/{x}", "200")
    started = time.perf_counter()
    for _ in range(loops):
        HTTP_REQUEST_DURATION.labels("GET", "/api/bench/{x}", "200").observe(0.003)
    elapsed = time.perf_counter() - started
    del child
    return elapsed / loops * 1e9


def _middleware_us(loops: int = 50_000) -> float:
    """The middleware's own cost per request: a trivial ASGI app called with and without
    it in this process (no server, no network: nothing else in the difference)."""

    async def app(scope: Any, receive: Any, send: Any) -> None:
        scope["path_template"] = "/api/bench/{x}"
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def receive() -> dict[str, Any]:
        return {"type": "http.request"}

    async def send(_message: Any) -> None:
        return None

    async def loop(handler: Any) -> float:
        started = time.perf_counter()
        for _ in range(loops):
            await handler({"type": "http", "method": "GET", "path": "/x"}, receive, send)
        return time.perf_counter() - started

    wrapped = http_metrics_middleware(app)
    bare_s = min(asyncio.run(loop(app)) for _ in range(3))
    wrapped_s = min(asyncio.run(loop(wrapped)) for _ in range(3))
    return (wrapped_s - bare_s) / loops * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="sitecheck-bench-metrics-"))
    stack = EmbeddedStack(data_dir)
    try:
        env = {
            **stack.start(),
            "S3_BUCKET": "bench-metrics",
            "SITECHECK_JWT_SECRET": secrets.token_urlsafe(48),
            "SITECHECK_BOOTSTRAP_ADMIN": f"benchadmin:{secrets.token_urlsafe(16)}",
            "SITECHECK_LOG_LEVEL": "WARNING",
        }
        upgrade(env["DATABASE_URL"])
        log = data_dir / "server.log"
        runs: dict[str, list[dict[str, Any]]] = {"off": [], "on": []}
        factories = {
            "off": "benchmarks.metrics_overhead:app_without_metrics",
            "on": "api.app:create_app",
        }
        for _ in range(args.rounds):
            for variant in ("off", "on"):
                runs[variant].append(_measure(env, factories[variant], args.requests, log))
        med = {
            variant: {key: statistics.median(r[key] for r in results) for key in results[0]}
            for variant, results in runs.items()
        }
        print(f"server CPU per request, median of {args.rounds} rounds x {args.requests} requests")
        print("| route | metrics off (us) | metrics on (us) | difference (us) |")
        print("| --- | --- | --- | --- |")
        for key, label in (("live", "GET /health/live"), ("me", "GET /api/me (JWT)")):
            off, on = med["off"][key], med["on"][key]
            print(f"| {label} | {off:.0f} | {on:.0f} | {on - off:+.0f} |")
        for variant, results in runs.items():
            # The spread between rounds says how much of the difference is the machine.
            for key in ("live", "me"):
                rounds = ", ".join(f"{r[key]:.0f}" for r in results)
                print(f"  metrics {variant}, {key}: rounds {rounds} us")
        print(
            f"GET /metrics: {med['on']['scrape_ms']:.1f} ms median,"
            f" {med['on']['scrape_bytes'] / 1024:.0f} KiB"
        )
        print(f"histogram labels().observe() in a loop: {_observe_ns():.0f} ns per call")
        print(
            f"metrics middleware in-process (wrapped - bare): {_middleware_us():.1f} us per request"
        )
    finally:
        stack.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
