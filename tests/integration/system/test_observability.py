"""Metrics, health split and job logs against the real server, a real worker process
and real PostGIS + S3."""

from __future__ import annotations

import dataclasses
import json
import signal
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import anyio
import httpx
import pytest
from litestar.testing import AsyncTestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from api.app import create_app
from api.config import Settings
from api.db.models import Role
from api.jobs.app import job_app_open
from api.jobs.housekeeping import prune_finished
from infra.local.processes import WORKER_COMMAND, child_env, free_port, kill, spawn, wait_until_ok
from tests.support.factories import World
from tests.support.hazard_photos import BUS, hazard_of

HTTP_COUNT = "sitecheck_http_request_duration_seconds"


def samples(exposition: str, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    """Every sample called `name` (e.g. ..._count), keyed by its sorted labels."""
    found = {}
    for family in text_string_to_metric_families(exposition):
        for sample in family.samples:
            if sample.name == name:
                found[tuple(sorted(sample.labels.items()))] = sample.value
    return found


def value(exposition: str, name: str, **labels: str) -> float:
    return samples(exposition, name).get(tuple(sorted(labels.items())), 0.0)


async def test_request_latency_is_labelled_by_route_template(
    api: httpx.AsyncClient, world: World
) -> None:
    headers = world.headers(world.a.users[Role.ADMIN])
    site_id = str(world.a.site.id)
    before = (await api.get("/metrics")).text
    template = "/api/sites/{site_id}"
    for _ in range(3):
        assert (await api.get(f"/api/sites/{site_id}", headers=headers)).status_code == 200
    assert (await api.get(f"/api/sites/{uuid.uuid4()}", headers=headers)).status_code == 404
    assert (await api.get("/api/no-such-thing")).status_code == 404
    after = (await api.get("/metrics")).text

    count = f"{HTTP_COUNT}_count"
    ok = {"method": "GET", "route": template, "status": "200"}
    assert value(after, count, **ok) == value(before, count, **ok) + 3
    missing = {"method": "GET", "route": template, "status": "404"}
    assert value(after, count, **missing) == value(before, count, **missing) + 1
    unmatched = {"method": "GET", "route": "unmatched", "status": "404"}
    assert value(after, count, **unmatched) == value(before, count, **unmatched) + 1
    routes = {dict(labels)["route"] for labels in samples(after, count)}
    assert not any(site_id in route or "no-such" in route for route in routes), routes
    # Histogram buckets exist for the template (latency percentiles come from these).
    assert value(after, f"{HTTP_COUNT}_bucket", le="+Inf", **ok) == value(after, count, **ok)
    # The process collector rides along (CPU and memory per replica).
    assert "process_cpu_seconds_total" in after


async def test_api_metrics_count_waiting_jobs_per_queue(
    api: httpx.AsyncClient, settings: Settings, engine: AsyncEngine
) -> None:
    async with job_app_open(settings.db.url):
        task = prune_finished
        for ts in (1, 2):
            # Due in an hour: it waits (todo) whatever worker runs meanwhile.
            await task.configure(schedule_in={"hours": 1}).defer_async(timestamp=ts)
    body = (await api.get("/metrics")).text
    assert value(body, "sitecheck_job_queue_depth", queue=task.queue, status="todo") == 2
    # Registered queues are reported at zero rather than missing.
    assert value(body, "sitecheck_job_queue_depth", queue="inference", status="todo") == 0
    assert ("queue", "inference") in {
        label for labels in samples(body, "sitecheck_job_queue_depth") for label in labels
    }
    async with engine.begin() as conn:
        await conn.execute(text("DELETE FROM procrastinate_jobs"))


async def test_health_split(api: httpx.AsyncClient) -> None:
    live = await api.get("/health/live")
    assert live.status_code == 200
    assert live.json() == {"status": "ok"}
    ready = await api.get("/health/ready")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok", "db": "ok", "storage": "ok", "migrations": "ok"}
    # /health keeps its contract (API.md).
    assert (await api.get("/health")).json() == {"status": "ok", "db": "ok", "storage": "ok"}


async def test_not_ready_but_alive_when_a_dependency_is_down(
    settings: Settings, migrated: str
) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    broken_s3 = dataclasses.replace(
        settings, s3=dataclasses.replace(settings.s3, endpoint_url=dead)
    )
    async with AsyncTestClient(create_app(broken_s3)) as client:
        assert (await client.get("/health/live")).status_code == 200
        ready = await client.get("/health/ready")
        assert ready.status_code == 503
        assert ready.json() == {
            "status": "unavailable",
            "db": "ok",
            "storage": "down",
            "migrations": "ok",
        }

    # The in-process client is no loopback peer: its scrape needs the token.
    token = "scrape-" + uuid.uuid4().hex
    broken_db = dataclasses.replace(
        settings,
        db=dataclasses.replace(
            settings.db, url=f"postgresql+asyncpg://nobody:x@127.0.0.1:{free_port()}/none"
        ),
        observability=dataclasses.replace(settings.observability, metrics_token=token),
    )
    async with AsyncTestClient(create_app(broken_db)) as client:
        assert (await client.get("/health/live")).status_code == 200
        started = time.monotonic()
        ready = await client.get("/health/ready")
        assert time.monotonic() - started < 10
        assert ready.status_code == 503
        assert ready.json()["db"] == "down"
        assert ready.json()["migrations"] == "unknown"
        # Metrics still answer (without the queue depth) while the database is away.
        scrape = await client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
        assert scrape.status_code == 200
        assert "sitecheck_job_queue_depth{" not in scrape.text


@pytest.fixture
async def schema_version(engine: AsyncEngine) -> AsyncIterator[AsyncEngine]:
    """Lets a test move alembic_version; puts the real head back afterwards."""
    async with engine.connect() as conn:
        head = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar_one()
    try:
        yield engine
    finally:
        async with engine.begin() as conn:
            await conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": head})


async def test_readiness_follows_the_schema_version(
    api: httpx.AsyncClient, schema_version: AsyncEngine
) -> None:
    # An older release's revision: this code needs its migrations first.
    # A revision this code does not know: a newer release migrated first (a rolling
    # deploy's middle), so this older replica keeps serving and says so.
    for version, state, status in (
        ("0006_hazards", "behind", 503),
        ("f00dfeedbeef", "ahead", 200),
    ):
        async with schema_version.begin() as conn:
            await conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": version})
        ready = await api.get("/health/ready")
        assert ready.status_code == status, version
        assert ready.json()["migrations"] == state
        assert ready.json()["db"] == "ok"
        assert (await api.get("/health/live")).status_code == 200


async def test_metrics_token_is_enforced(settings: Settings, migrated: str) -> None:
    token = "scrape-" + uuid.uuid4().hex
    async with AsyncTestClient(
        create_app(
            dataclasses.replace(
                settings,
                observability=dataclasses.replace(settings.observability, metrics_token=token),
            )
        )
    ) as c:
        for headers in (
            {},
            {"Authorization": "Bearer wrong-token-123456"},
            {"Authorization": token},
        ):
            refused = await c.get("/metrics", headers=headers)
            assert refused.status_code == 401
            assert refused.headers["content-type"].startswith("application/problem+json")
            assert refused.json()["code"] == "metrics_token_required"
            assert token not in refused.text
        scrape = await c.get("/metrics", headers={"Authorization": f"Bearer {token}"})
        assert scrape.status_code == 200
        assert scrape.headers["content-type"].startswith("text/plain")
        assert "sitecheck_http_request_duration_seconds" in scrape.text
        # Probes never need the token.
        assert (await c.get("/health/live")).status_code == 200


async def test_metrics_without_a_token_answer_loopback_only(
    api: httpx.AsyncClient, settings: Settings, migrated: str
) -> None:
    """No SITECHECK_METRICS_TOKEN: the live server on 127.0.0.1 (as `make run`) serves a
    scrape from this host, but not one a proxy relays, and a client that is not on
    loopback (the in-process test client) gets the token's 401."""
    assert settings.observability.metrics_token is None
    assert (await api.get("/metrics")).status_code == 200
    for header in ("X-Forwarded-For", "X-Real-IP", "Forwarded"):
        relayed = await api.get("/metrics", headers={header: "for=203.0.113.9"})
        assert relayed.status_code == 401, header
        assert relayed.json()["code"] == "metrics_token_required"
    async with AsyncTestClient(create_app(settings)) as c:
        remote = await c.get("/metrics")
        assert remote.status_code == 401
        assert remote.json()["code"] == "metrics_token_required"
        assert remote.headers["www-authenticate"] == "Bearer"


@pytest.fixture
def worker_process(
    app_env: dict[str, str], migrated: str, tmp_path: Path
) -> Iterator[tuple[str, subprocess.Popen[bytes], Path]]:
    """`python -m api.jobs.worker` as deployed, with its HTTP endpoint on a free port."""
    port = free_port()
    log = tmp_path / "worker.log"
    env = child_env(
        {
            **app_env,
            "SITECHECK_WORKER_HTTP_PORT": str(port),
            "SITECHECK_LOG_LEVEL": "INFO",
            "SITECHECK_HAZARD_THREADS": "1",
        }
    )
    proc = spawn(WORKER_COMMAND, env, log)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_ok(proc, f"{base}/health/live", log, 90, what="worker")
        yield base, proc, log
    finally:
        kill(proc)


async def test_worker_serves_probes_job_durations_queue_depth_and_model_latency(
    api: httpx.AsyncClient,
    world: World,
    settings: Settings,
    worker_process: tuple[str, subprocess.Popen[bytes], Path],
) -> None:
    base, proc, log = worker_process
    async with httpx.AsyncClient(base_url=base, timeout=15) as worker:
        ready = await worker.get("/health/ready")
        assert ready.status_code == 200, ready.text
        assert ready.json()["migrations"] == "ok"
        assert (await worker.get("/nothing")).status_code == 404

        async with job_app_open(settings.db.url):
            task = prune_finished
            await task.configure(schedule_in={"hours": 1}).defer_async(timestamp=7)
        body = (await worker.get("/metrics")).text
        assert value(body, "sitecheck_job_queue_depth", queue=task.queue, status="todo") >= 1

        rid = "obs-" + uuid.uuid4().hex[:12]
        upload = await api.post(
            "/api/photos",
            files={"file": ("p.jpg", BUS.read_bytes(), "image/jpeg")},
            data={"meta": json.dumps({"id": str(uuid.uuid4()), "site_id": str(world.a.site.id)})},
            headers={**world.headers(world.a.users[Role.WORKER]), "X-Request-ID": rid},
            timeout=60,
        )
        assert upload.status_code == 201, upload.text
        photo_id = upload.json()["id"]
        deadline = time.monotonic() + 120
        while (await hazard_of(api, world, photo_id))["status"] == "pending":
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            await anyio.sleep(0.5)

        body = (await worker.get("/metrics")).text
        detect = {"task": "hazards:hazards.detect", "outcome": "succeeded"}
        assert value(body, "sitecheck_job_duration_seconds_count", **detect) >= 1
        assert value(body, "sitecheck_job_duration_seconds_sum", **detect) > 0
        assert value(body, "sitecheck_model_latency_seconds_count", model="hazard") >= 1
        assert value(body, "sitecheck_model_latency_seconds_sum", model="hazard") > 0

    # Every job's log line names the job, its task and the request that queued it,
    # through the upload's own job and the hazard check that job queued in turn.
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    jobs = [line for line in lines if line.get("logger") == "sitecheck.jobs"]
    traced = {line["task"] for line in jobs if line.get("request_id") == rid}
    assert "hazards:hazards.detect" in traced, jobs
    assert all(line["job_id"] and line["outcome"] for line in jobs)

    # SIGTERM: the worker and its HTTP thread stop; the port is free again.
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=40) == 0, log.read_text()[-3000:]
    async with httpx.AsyncClient(base_url=base, timeout=2) as gone:
        with pytest.raises(httpx.ConnectError):
            await gone.get("/health/live")
