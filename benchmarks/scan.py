"""Benchmark: `GET /api/scan/{code}` throughput and tail latency under load.

Reproducible end to end: starts a throwaway PostGIS + S3 (``EmbeddedStack`` in a temporary
folder, stopped and removed at the end), applies the migrations, seeds one company with
a crew of workers on SITES sites and ITEMS equipment items (plus BATCHES material
batches), a realistic mix: some items checked out, some with open defects, most with
a maintenance plan and some with inspection certificates. Then it serves the real app
with uvicorn, one worker process, on 127.0.0.1, exactly as production would run one
replica (`uvicorn --factory api.app:create_app`, access logs at WARNING, so the JSON
access line is not part of the cost), and drives it with wrk: each request scans a
random code of the ledger as a worker of the crew (JWT auth, tenancy and role checks,
the one-query item lookup, the response). The load generator runs on the same machine,
so on a 2-core box server, PostgreSQL and wrk share the two cores.

The table compares what was measured with the issue's goal (>= 1,500 requests/s, p99 <
50 ms on 2 cores) as ratios (> 1 is better than the goal for both).

Needs `wrk` (Debian: `apt-get install wrk`). Usage::

    uv run python -m benchmarks.scan [--items N] [--connections C] [--duration S]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import func, insert
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from api.config import Settings
from api.db.migrate import upgrade
from api.db.models import (
    Company,
    Crew,
    Equipment,
    EquipmentEvent,
    EquipmentEventKind,
    MaintenancePlan,
    MaterialBatch,
    Role,
    Site,
    User,
)
from api.domain.labels.qr import ALPHABET
from api.lib.geo import geofence_sql
from benchmarks.cpu import process_cpu_s, reaped_children_cpu_s, tree_cpu_s
from infra.local.embedded import EmbeddedStack
from infra.local.processes import api_command, child_env, free_port, spawn, stop, wait_until_ok
from tests.support.factories import mint_token, square

DEFAULT_ITEMS = 10_000
DEFAULT_BATCHES = 1_000
DEFAULT_SITES = 20
DEFAULT_SEED = 20261121
GOAL_RPS = 1500.0
GOAL_P99_MS = 50.0

LUA = """
local codes = {}
for line in io.lines("%(codes)s") do codes[#codes + 1] = line end
local auth = "Bearer %(token)s"
math.randomseed(%(seed)d)
request = function()
  local code = codes[math.random(#codes)]
  return wrk.format("GET", "/api/scan/" .. code, {["Authorization"] = auth})
end
"""


@dataclass(frozen=True)
class WrkResult:
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    requests: int
    errors: int
    non_2xx: int


def _codes(rng: random.Random, n: int) -> list[str]:
    codes: set[str] = set()
    while len(codes) < n:
        codes.add("".join(rng.choice(ALPHABET) for _ in range(10)))
    return list(codes)


async def seed(
    database_url: str, rng: random.Random, items: int, batches: int, sites: int
) -> tuple[uuid.UUID, list[str]]:
    """One company; returns a crew worker's id and every scannable code."""
    engine = create_async_engine(database_url)
    try:
        return await _seed(engine, rng, items, batches, sites)
    finally:
        await engine.dispose()


async def _seed(
    engine: AsyncEngine, rng: random.Random, items: int, batches: int, sites: int
) -> tuple[uuid.UUID, list[str]]:
    company = Company(id=uuid.uuid4(), name="Benchmark Construction Co.")
    codes = _codes(rng, items + batches)
    today = date.today()
    async with engine.begin() as conn:
        await conn.execute(insert(Company).values(id=company.id, name=company.name))
        site_ids = [uuid.uuid4() for _ in range(sites)]
        for i, sid in enumerate(site_ids):
            await conn.execute(
                insert(Site).values(
                    id=sid,
                    company_id=company.id,
                    name=f"Bench site {i}",
                    geofence=func.geography(geofence_sql(square(116.0 + i * 0.01, 39.9))),
                    timezone="Asia/Shanghai",
                )
            )
        crew_id = uuid.uuid4()
        await conn.execute(
            insert(Crew).values(
                id=crew_id, company_id=company.id, site_id=site_ids[0], name="Bench crew"
            )
        )
        worker_id = uuid.uuid4()
        await conn.execute(
            insert(User).values(
                id=worker_id,
                company_id=company.id,
                name="Bench worker",
                login=f"bench-worker-{worker_id.hex[:8]}",
                password_hash="!",  # noqa: S106 - not a password: the token is minted
                role=Role.WORKER,
                crew_id=crew_id,
            )
        )
        # The worker's crew is on site 0; everything scanned is there (a scan of another
        # site's item is a 404, which would measure the wrong thing).
        rows = []
        for i in range(items):
            rows.append(
                {
                    "id": uuid.uuid4(),
                    "company_id": company.id,
                    "site_id": site_ids[0] if i % 2 == 0 else rng.choice(site_ids),
                    "code": codes[i],
                    "name": f"Item {i}",
                    "category": rng.choice(["crane", "hoist", "pump", "generator", "drill"]),
                    "serial_no": f"SN-{i:06d}",
                    "certificate_no": f"TJ-{i}" if i % 3 == 0 else None,
                    "certificate_expires_on": today + timedelta(days=rng.randint(-30, 700))
                    if i % 3 == 0
                    else None,
                    "holder_id": worker_id if i % 10 == 0 else None,
                    "checked_out_at": datetime.now(UTC) if i % 10 == 0 else None,
                }
            )
        for start in range(0, len(rows), 2000):
            await conn.execute(insert(Equipment), rows[start : start + 2000])
        plans = [
            {
                "id": uuid.uuid4(),
                "company_id": company.id,
                "equipment_id": r["id"],
                "title": "Monthly service",
                "every_days": 30,
                "next_due_on": today + timedelta(days=rng.randint(-10, 30)),
            }
            for r in rows
            if rng.random() < 0.7
        ]
        for start in range(0, len(plans), 2000):
            await conn.execute(insert(MaintenancePlan), plans[start : start + 2000])
        defects = [
            {
                "id": uuid.uuid4(),
                "company_id": company.id,
                "equipment_id": r["id"],
                "site_id": r["site_id"],
                "kind": EquipmentEventKind.DEFECT,
                "note": "Guard missing",
                "actor_id": worker_id,
                "occurred_at": datetime.now(UTC),
            }
            for r in rows
            if rng.random() < 0.05
        ]
        await conn.execute(insert(EquipmentEvent), defects)
        await conn.execute(
            insert(MaterialBatch),
            [
                {
                    "id": uuid.uuid4(),
                    "company_id": company.id,
                    "site_id": site_ids[0],
                    "code": codes[items + i],
                    "material": "Rebar HRB400",
                    "batch_no": f"L-{i}",
                    "supplier": "Shagang",
                    "quantity": 20.0,
                    "unit": "t",
                }
                for i in range(batches)
            ],
        )
        await conn.exec_driver_sql("ANALYZE")
    scannable = [codes[i] for i in range(items) if rows[i]["site_id"] == site_ids[0]]
    return worker_id, scannable + codes[items:]


def _start_server(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    proc = spawn(api_command(port), child_env(env), log)
    try:
        wait_until_ok(proc, f"http://127.0.0.1:{port}/health", log, 60)
    except RuntimeError:
        stop(proc)
        raise
    return proc


@dataclass(frozen=True)
class CpuPerRequest:
    """Milliseconds of CPU per request: independent of what else the machine runs, so
    the capacity figures below hold on a shared box where wall-clock rates do not."""

    api_ms: float
    db_ms: float
    wrk_ms: float


_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s)", text)
    if match is None:
        raise ValueError(f"unexpected wrk latency {text!r}")
    return float(match.group(1)) * _UNIT_MS[match.group(2)]


def run_wrk(wrk: str, url: str, script: Path, connections: int, duration: int) -> WrkResult:
    out = subprocess.run(  # noqa: S603 - fixed argv
        [
            wrk,
            "-t1",
            f"-c{connections}",
            f"-d{duration}s",
            "--latency",
            "--timeout",
            "5s",
            "-s",
            str(script),
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    pct = dict(re.findall(r"^\s+(\d+)%\s+(\S+)$", out, re.MULTILINE))
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return WrkResult(
        rps=float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        p50_ms=_ms(pct["50"]),
        p90_ms=_ms(pct["90"]),
        p99_ms=_ms(pct["99"]),
        requests=requests,
        errors=sum(int(g) for g in errors.groups()) if errors else 0,
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=DEFAULT_ITEMS)
    parser.add_argument("--batches", type=int, default=DEFAULT_BATCHES)
    parser.add_argument("--sites", type=int, default=DEFAULT_SITES)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--duration", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args()
    wrk = shutil.which("wrk")
    if wrk is None:
        print("wrk is not installed (Debian: apt-get install wrk)", file=sys.stderr)
        return 2
    rng = random.Random(args.seed)  # noqa: S311 - test data, from a fixed seed
    data_dir = Path(tempfile.mkdtemp(prefix="sitecheck-bench-scan-"))
    stack = EmbeddedStack(data_dir / "services")
    server: subprocess.Popen[bytes] | None = None
    try:
        env = {
            **stack.start(),
            "S3_BUCKET": "sitecheck-bench",
            "SITECHECK_JWT_SECRET": uuid.uuid4().hex + uuid.uuid4().hex,
            "SITECHECK_LOG_LEVEL": "WARNING",
        }
        settings = Settings.from_env(env)
        upgrade(settings.db.url)
        started = time.monotonic()
        worker_id, codes = asyncio.run(
            seed(settings.db.url, rng, args.items, args.batches, args.sites)
        )
        seeded_s = time.monotonic() - started
        token = mint_token(settings, worker_id)
        codes_file = data_dir / "codes.txt"
        codes_file.write_text("\n".join(codes) + "\n")
        script = data_dir / "scan.lua"
        script.write_text(LUA % {"codes": codes_file, "token": token, "seed": args.seed})

        load_before = os.getloadavg()[0]
        port = free_port()
        server = _start_server(env, port, data_dir / "server.log")
        url = f"http://127.0.0.1:{port}"
        probe = httpx.get(
            f"{url}/api/scan/{codes[0]}", headers={"Authorization": f"Bearer {token}"}
        )
        if probe.status_code != 200:
            raise RuntimeError(f"probe scan failed: {probe.status_code} {probe.text}")
        run_wrk(wrk, url, script, args.connections, args.warmup)
        postmaster = stack.postgres.running_pid()
        if postmaster is None:
            raise RuntimeError("PostgreSQL is not running")
        before = (process_cpu_s(server.pid), tree_cpu_s(postmaster), reaped_children_cpu_s())
        result = run_wrk(wrk, url, script, args.connections, args.duration)
        after = (process_cpu_s(server.pid), tree_cpu_s(postmaster), reaped_children_cpu_s())
        per = [1000 * (a - b) / result.requests for a, b in zip(after, before, strict=True)]
        cpu = CpuPerRequest(api_ms=per[0], db_ms=per[1], wrk_ms=per[2])
    finally:
        if server is not None:
            stop(server)
        stack.stop()
        shutil.rmtree(data_dir, ignore_errors=True)

    print("## GET /api/scan/{code} under load\n")
    print(
        f"{args.items} equipment items + {args.batches} batches on {args.sites} sites "
        f"(seeded in {seeded_s:.1f} s); {len(codes)} codes scanned at random by a crew "
        f"worker; uvicorn, 1 worker; wrk -t1 -c{args.connections} -d{args.duration}s "
        f"after a {args.warmup} s warm-up; {os.cpu_count()} CPUs "
        f"({platform.machine()}), Python {platform.python_version()}, load average before "
        f"the run {load_before:.1f}\n"
    )
    print("| metric | goal | measured | ratio (>1 beats the goal) |")
    print("| --- | --- | --- | --- |")
    print(f"| requests/s | >= {GOAL_RPS:,.0f} | {result.rps:,.0f} | {result.rps / GOAL_RPS:.2f} |")
    print(
        f"| p99 latency | < {GOAL_P99_MS:.0f} ms | {result.p99_ms:.1f} ms | "
        f"{GOAL_P99_MS / result.p99_ms:.2f} |"
    )
    print(f"| p50 / p90 latency | | {result.p50_ms:.1f} / {result.p90_ms:.1f} ms | |")
    print(
        f"| requests / errors / non-2xx | | {result.requests:,} / {result.errors} / "
        f"{result.non_2xx} | |"
    )
    # One worker is one Python thread: it can serve at most one core's worth.
    one_core = 1000 / cpu.api_ms
    two_cores = 2000 / (cpu.api_ms + cpu.db_ms + cpu.wrk_ms)
    print(
        f"| CPU per request: API / PostgreSQL / wrk | | {cpu.api_ms:.3f} / {cpu.db_ms:.3f} / "
        f"{cpu.wrk_ms:.3f} ms | |"
    )
    print(
        f"| capacity from CPU (quiet machine): one worker's core / all three on 2 cores | "
        f">= {GOAL_RPS:,.0f} | {one_core:,.0f} / {two_cores:,.0f} req/s | "
        f"{min(one_core, two_cores) / GOAL_RPS:.2f} |"
    )
    return 0 if result.errors == 0 and result.non_2xx == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
