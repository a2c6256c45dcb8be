"""Benchmark: "which of my sites is this phone near" with and without the GiST index.

Reproducible end to end: starts its own throwaway PostGIS (``EmbeddedPostgres`` in a temporary
folder, stopped and removed at the end), applies the Alembic migrations, inserts one company,
its admin and N sites (small squares, clustered around big cities and spread over China's
bounding box, positions from a fixed seed), runs ANALYZE, then times Q point lookups through the
real ``locate_query`` SQL (executed like the app executes it: SQLAlchemy + asyncpg, bound
parameters) two ways on the same points:

* baseline: ``SET enable_indexscan = off; SET enable_bitmapscan = off`` in that session, which
  leaves the planner only a sequential scan of ``sites``;
* ours: the planner's own choice (the GiST index ``ix_sites_geofence`` via ST_DWithin).

Each mode runs on its own connection, so a plan cached for a prepared statement in one mode can
never be reused by the other (PostgreSQL does not re-plan cached statements when planner
settings change). Lookups alternate between the two modes point by point, after a warm-up, so
drift on the machine affects both alike. Both modes must return the same rows for every point,
otherwise the script fails. The result is printed as Markdown.

Usage::

    uv run python -m benchmarks.geofence_lookup [--sites N] [--queries Q] [--seed S]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from api.db.migrate import upgrade
from api.db.models import Company, Role, User
from api.domain.sites.services import LOCATE_RADIUS_M, locate_query
from api.lib.context import Actor
from infra.local.embedded import EmbeddedPostgres

DEFAULT_SITES = 20_000
DEFAULT_QUERIES = 500
DEFAULT_SEED = 20240611
WARMUP = 50

# China's bounding box (lon/lat degrees).
LON_MIN, LON_MAX = 73.5, 134.8
LAT_MIN, LAT_MAX = 18.2, 53.5
# Construction is concentrated around cities: most sites cluster there, the rest are anywhere.
CITIES: tuple[tuple[str, float, float], ...] = (
    ("Beijing", 116.40, 39.90),
    ("Shanghai", 121.47, 31.23),
    ("Guangzhou", 113.26, 23.13),
    ("Shenzhen", 114.06, 22.54),
    ("Chengdu", 104.07, 30.67),
    ("Chongqing", 106.55, 29.56),
    ("Wuhan", 114.31, 30.59),
    ("Hangzhou", 120.16, 30.27),
    ("Xi'an", 108.94, 34.34),
    ("Nanjing", 118.80, 32.06),
    ("Tianjin", 117.20, 39.13),
    ("Shenyang", 123.43, 41.80),
)
CLUSTERED_SHARE = 0.7
CITY_SPREAD_DEG = 0.25  # standard deviation of a city cluster, about 25 km
SITE_SIDE_DEG = (0.001, 0.004)  # square side, about 100-400 m
NEAR_SITE_SHARE = 0.8  # share of lookups made next to a site (the rest: anywhere in the box)
NEAR_SITE_OFFSET_DEG = 0.004  # how far (per axis) from a site's centre such a phone may be
ACCURACY_M = (5.0, 50.0)  # GPS accuracy a phone reports; the app adds LOCATE_RADIUS_M to it

SEQ_NODES = ("Seq Scan",)
INDEX_NODES = ("Index Scan", "Index Only Scan", "Bitmap Index Scan", "Bitmap Heap Scan")

# The real inserts use one statement: positions and sizes come in as arrays (from the fixed
# seed, so every run builds the same sites) and generate_series walks them.
INSERT_SITES = text(
    """
    INSERT INTO sites (id, company_id, name, geofence, timezone, max_accuracy_m,
                       shift_start, is_active)
    SELECT gen_random_uuid(), CAST(:company AS uuid), 'bench site ' || g,
           ST_Multi(ST_MakeEnvelope(v.lons[g], v.lats[g],
                                    v.lons[g] + v.sides[g], v.lats[g] + v.sides[g],
                                    4326))::geography,
           'Asia/Shanghai', 50, '08:00', true
    FROM (SELECT CAST(:lons AS float8[]) AS lons, CAST(:lats AS float8[]) AS lats,
                 CAST(:sides AS float8[]) AS sides) AS v,
         generate_series(1, CAST(:n AS int)) AS g
    """
)

Row = tuple[uuid.UUID, str, float]


@dataclass(frozen=True)
class Lookup:
    lat: float
    lon: float
    radius_m: float


@dataclass(frozen=True)
class Stats:
    p50_ms: float
    p95_ms: float
    mean_ms: float
    qps: float

    @classmethod
    def of(cls, seconds: Sequence[float]) -> Stats:
        ms = sorted(s * 1000.0 for s in seconds)
        return cls(
            p50_ms=_percentile(ms, 50),
            p95_ms=_percentile(ms, 95),
            mean_ms=statistics.fmean(ms),
            qps=len(ms) / sum(seconds),
        )


@dataclass(frozen=True)
class Plan:
    nodes: list[str]
    jit: bool
    execution_ms: float


def _percentile(sorted_values: Sequence[float], pct: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    if len(sorted_values) == 1:
        return sorted_values[0]
    pos = (len(sorted_values) - 1) * pct / 100.0
    low = int(pos)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (pos - low)


def _clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


def make_sites(rng: random.Random, n: int) -> tuple[list[float], list[float], list[float]]:
    """South-west corners and side lengths (degrees) of n square sites."""
    lons: list[float] = []
    lats: list[float] = []
    sides: list[float] = []
    for _ in range(n):
        side = rng.uniform(*SITE_SIDE_DEG)
        if rng.random() < CLUSTERED_SHARE:
            _, city_lon, city_lat = rng.choice(CITIES)
            lon = rng.gauss(city_lon, CITY_SPREAD_DEG)
            lat = rng.gauss(city_lat, CITY_SPREAD_DEG)
        else:
            lon = rng.uniform(LON_MIN, LON_MAX)
            lat = rng.uniform(LAT_MIN, LAT_MAX)
        lons.append(round(_clamp(lon, LON_MIN, LON_MAX - side), 7))
        lats.append(round(_clamp(lat, LAT_MIN, LAT_MAX - side), 7))
        sides.append(round(side, 7))
    return lons, lats, sides


def make_lookups(
    rng: random.Random, q: int, sites: tuple[list[float], list[float], list[float]]
) -> list[Lookup]:
    lons, lats, sides = sites
    lookups: list[Lookup] = []
    for _ in range(q):
        if rng.random() < NEAR_SITE_SHARE:
            i = rng.randrange(len(lons))
            lon = lons[i] + sides[i] / 2 + rng.uniform(-NEAR_SITE_OFFSET_DEG, NEAR_SITE_OFFSET_DEG)
            lat = lats[i] + sides[i] / 2 + rng.uniform(-NEAR_SITE_OFFSET_DEG, NEAR_SITE_OFFSET_DEG)
        else:
            lon = rng.uniform(LON_MIN, LON_MAX)
            lat = rng.uniform(LAT_MIN, LAT_MAX)
        radius = rng.uniform(*ACCURACY_M) + LOCATE_RADIUS_M
        lookups.append(Lookup(lat=round(lat, 7), lon=round(lon, 7), radius_m=round(radius, 1)))
    return lookups


async def seed(engine: AsyncEngine, sites: tuple[list[float], list[float], list[float]]) -> Actor:
    lons, lats, sides = sites
    company = Company(id=uuid.uuid4(), name="Benchmark Construction Co.")
    admin = User(
        id=uuid.uuid4(),
        company_id=company.id,
        name="Benchmark admin",
        login=f"bench-admin-{company.id.hex[:8]}",
        password_hash="!",  # noqa: S106 - not a password: this account never logs in
        role=Role.ADMIN,
        is_active=True,
    )
    async with engine.begin() as conn:
        await conn.execute(insert(Company).values(id=company.id, name=company.name))
        await conn.execute(
            insert(User).values(
                id=admin.id,
                company_id=admin.company_id,
                name=admin.name,
                login=admin.login,
                password_hash=admin.password_hash,
                role=admin.role,
            )
        )
        await conn.execute(
            INSERT_SITES,
            {"company": company.id, "lons": lons, "lats": lats, "sides": sides, "n": len(lons)},
        )
    # ANALYZE outside the insert's transaction, so the statistics see the committed rows.
    async with engine.connect() as conn:
        await conn.execute(text("ANALYZE sites"))
        await conn.commit()
    return Actor(user=admin)


def literal_sql(actor: Actor, lookup: Lookup) -> str:
    query = locate_query(actor, lookup.lat, lookup.lon, lookup.radius_m)
    compiled = query.compile(
        dialect=postgresql.dialect(),  # type: ignore[no-untyped-call]
        compile_kwargs={"literal_binds": True},
    )
    return str(compiled)


def _walk(node: dict[str, Any], out: list[str]) -> None:
    name = str(node["Node Type"])
    if "Index Name" in node:
        name += f" using {node['Index Name']}"
    elif "Relation Name" in node:
        name += f" on {node['Relation Name']}"
    out.append(name)
    for child in node.get("Plans", []):
        _walk(child, out)


async def explain(conn: AsyncConnection, actor: Actor, lookup: Lookup) -> Plan:
    sql = literal_sql(actor, lookup)
    # The SQL is our own compiled query with literal numbers/UUIDs, not user input.
    statement = text(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}")
    raw = (await conn.execute(statement)).scalar_one()
    doc = raw[0] if isinstance(raw, list) else raw
    nodes: list[str] = []
    _walk(doc["Plan"], nodes)
    return Plan(
        nodes=nodes,
        jit="JIT" in doc and bool(doc["JIT"].get("Functions", 0)),
        execution_ms=float(doc.get("Execution Time", 0.0)),
    )


async def run_one(conn: AsyncConnection, actor: Actor, lookup: Lookup) -> tuple[float, list[Row]]:
    query = locate_query(actor, lookup.lat, lookup.lon, lookup.radius_m)
    started = time.perf_counter()
    result = await conn.execute(query)
    rows = [(r[0], r[1], float(r[2])) for r in result.all()]
    return time.perf_counter() - started, rows


def _canonical(rows: list[Row]) -> list[Row]:
    # Rows at exactly the same distance (a point inside two overlapping squares) may come back
    # in either order; the set of rows and their distances must match exactly.
    return sorted(rows, key=lambda r: (r[2], str(r[0])))


@dataclass
class Result:
    baseline: Stats
    ours: Stats
    baseline_plan: Plan
    ours_plan: Plan
    matched_points: int
    matched_rows: int
    server: str
    postgis: str
    jit_setting: str


async def bench(
    database_url: str, n_sites: int, n_queries: int, seed_value: int, *, no_jit: bool
) -> Result:
    rng = random.Random(seed_value)  # noqa: S311 - reproducible test data, not security
    sites = make_sites(rng, n_sites)
    lookups = make_lookups(rng, n_queries, sites)
    engine = create_async_engine(database_url, pool_size=2)
    try:
        actor = await seed(engine, sites)
        async with engine.connect() as ours_conn, engine.connect() as base_conn:
            await base_conn.execute(text("SET enable_indexscan = off"))
            await base_conn.execute(text("SET enable_bitmapscan = off"))
            if no_jit:
                # A seq scan of ~20k rows costs past jit_above_cost, so with the server default
                # (jit=on) every baseline lookup also pays for JIT compilation; this isolates
                # the index's effect from that.
                for conn in (ours_conn, base_conn):
                    await conn.execute(text("SET jit = off"))
            server = str((await ours_conn.execute(text("SHOW server_version"))).scalar_one())
            postgis = str(
                (await ours_conn.execute(text("SELECT postgis_lib_version()"))).scalar_one()
            )
            jit_setting = str((await ours_conn.execute(text("SHOW jit"))).scalar_one())

            # Warm-up: caches, prepared statements, SQLAlchemy's compiled cache.
            for lookup in lookups[:WARMUP]:
                await run_one(ours_conn, actor, lookup)
                await run_one(base_conn, actor, lookup)

            sample = lookups[0]
            ours_plan = await explain(ours_conn, actor, sample)
            baseline_plan = await explain(base_conn, actor, sample)
            if not any(
                n.startswith(INDEX_NODES) and "ix_sites_geofence" in n for n in ours_plan.nodes
            ):
                raise SystemExit(f"planner did not use ix_sites_geofence: {ours_plan.nodes}")
            if not any(n.startswith(SEQ_NODES) for n in baseline_plan.nodes) or any(
                "ix_sites_geofence" in n for n in baseline_plan.nodes
            ):
                raise SystemExit(f"baseline is not a sequential scan: {baseline_plan.nodes}")

            ours_times: list[float] = []
            base_times: list[float] = []
            matched_points = matched_rows = 0
            for i, lookup in enumerate(lookups):
                # Alternate which mode goes first, so neither always runs on a warmer cache.
                if i % 2 == 0:
                    t_ours, rows_ours = await run_one(ours_conn, actor, lookup)
                    t_base, rows_base = await run_one(base_conn, actor, lookup)
                else:
                    t_base, rows_base = await run_one(base_conn, actor, lookup)
                    t_ours, rows_ours = await run_one(ours_conn, actor, lookup)
                if _canonical(rows_ours) != _canonical(rows_base):
                    raise SystemExit(
                        f"MISMATCH at lookup #{i} {lookup}:\n"
                        f"  GiST:     {rows_ours}\n  seq scan: {rows_base}"
                    )
                ours_times.append(t_ours)
                base_times.append(t_base)
                matched_points += bool(rows_ours)
                matched_rows += len(rows_ours)
            await ours_conn.rollback()
            await base_conn.rollback()
    finally:
        await engine.dispose()
    return Result(
        baseline=Stats.of(base_times),
        ours=Stats.of(ours_times),
        baseline_plan=baseline_plan,
        ours_plan=ours_plan,
        matched_points=matched_points,
        matched_rows=matched_rows,
        server=server,
        postgis=postgis,
        jit_setting=jit_setting,
    )


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _nproc() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def render(
    result: Result, n_sites: int, n_queries: int, seed_value: int, setup_s: float, no_jit: bool
) -> str:
    b, o = result.baseline, result.ours
    jit_note = " (SET by --no-jit)" if result.jit_setting == "off" and no_jit else ""

    def row(label: str, base: float, ours: float, fmt: str) -> str:
        ratio = base / ours if ours else float("inf")
        return f"| {label} | {base:{fmt}} | {ours:{fmt}} | {ratio:.3g}x |"

    def plan(p: Plan) -> str:
        jit = ", JIT compiled" if p.jit else ""
        timing = f"EXPLAIN ANALYZE of lookup #1: {p.execution_ms:.2f} ms{jit}"
        return " -> ".join(p.nodes) + f" ({timing})"

    lines = [
        f"### Geofence lookup (`locate_query`): {n_sites:,} sites, {n_queries:,} lookups",
        "",
        "| metric | baseline (seq scan) | ours (GiST) | ratio (baseline/ours) |",
        "|---|---:|---:|---:|",
        row("p50 ms", b.p50_ms, o.p50_ms, ".3f"),
        row("p95 ms", b.p95_ms, o.p95_ms, ".3f"),
        row("mean ms", b.mean_ms, o.mean_ms, ".3f"),
        row("queries/s", b.qps, o.qps, ",.1f"),
        "",
        f"- plan, baseline (`enable_indexscan=off`, `enable_bitmapscan=off`): "
        f"{plan(result.baseline_plan)}",
        f"- plan, ours (planner's choice): {plan(result.ours_plan)}",
        f"- N = {n_sites:,} sites (one company, {CLUSTERED_SHARE:.0%} clustered around "
        f"{len(CITIES)} cities, rest uniform over China's bounding box; squares "
        f"{SITE_SIDE_DEG[0] * 111_000:.0f}-{SITE_SIDE_DEG[1] * 111_000:.0f} m), "
        f"Q = {n_queries:,} lookups ({NEAR_SITE_SHARE:.0%} within "
        f"~{NEAR_SITE_OFFSET_DEG * 111_000:.0f} m of a site, radius = accuracy "
        f"{ACCURACY_M[0]:.0f}-{ACCURACY_M[1]:.0f} m + {LOCATE_RADIUS_M:.0f} m), "
        f"warm-up {WARMUP}, seed {seed_value}",
        f"- both modes returned identical rows for all {n_queries:,} lookups "
        f"({result.matched_points:,} lookups found a site, {result.matched_rows:,} rows)",
        "- timing: client wall-clock per lookup through SQLAlchemy + asyncpg (bound parameters, "
        "as the app runs it), one connection per mode, modes alternated point by point; "
        "queries/s = sequential, single connection",
        f"- machine: nproc={_nproc()}, {_cpu_model()}, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}, PostgreSQL "
        f"{result.server}, PostGIS {result.postgis}, jit={result.jit_setting}{jit_note}, "
        f"embedded cluster (default config); setup {setup_s:.1f}s",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.geofence_lookup",
        description="Time locate_query with the GiST index vs a forced sequential scan.",
    )
    parser.add_argument("--sites", type=int, default=DEFAULT_SITES, help="default: %(default)s")
    parser.add_argument("--queries", type=int, default=DEFAULT_QUERIES, help="default: %(default)s")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="default: %(default)s")
    parser.add_argument(
        "--no-jit",
        action="store_true",
        help="SET jit = off in both sessions (default: the server's setting, jit=on)",
    )
    args = parser.parse_args(argv)
    if args.sites < 1 or args.queries < 1:
        parser.error("--sites and --queries must be positive")

    started = time.monotonic()
    data_dir = Path(tempfile.mkdtemp(prefix="sitecheck-bench-"))
    postgres = EmbeddedPostgres(data_dir)
    try:
        database_url = postgres.start()
        upgrade(database_url)
        setup_s = time.monotonic() - started
        result = asyncio.run(
            bench(database_url, args.sites, args.queries, args.seed, no_jit=args.no_jit)
        )
    finally:
        try:
            postgres.stop()
        finally:
            shutil.rmtree(data_dir, ignore_errors=True)
    print(render(result, args.sites, args.queries, args.seed, setup_s, args.no_jit))
    print(f"\n(total run time {time.monotonic() - started:.1f}s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
