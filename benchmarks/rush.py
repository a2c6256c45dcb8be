"""Benchmark: the morning rush, end to end, with a check that nothing was lost or doubled.

    uv run python -m benchmarks.rush [--workers 300] [--photos 300] [--scans 600]
        [--concurrency 32] [--duplicates 0.05]            (also: make load ARGS="...")

Loopback only and bounded. It starts make run's stack in a throwaway folder (embedded
PostGIS + S3, migrations; rush_stack.py) with ONE API process and ONE job worker, then:

1. seeds through the API, as an admin would: a company, a site with a geofence, crews,
   WORKERS workers who each enrol a real face (rush_data.py), two safety officers
   staffed on the site (the inspectors) and some equipment; the phones hold tokens from
   an earlier login (minted with the stack's key, like tests/support/factories.py);
2. drives the rush with at most CONCURRENCY requests in flight: every worker punches in
   with a real selfie, the inspectors open inspections and upload PHOTOS real site photos
   (a share with bare heads), and SCANS QR scans by workers (every 10th by an inspector,
   who also records an equipment inspection). Phones behave like the PWA (rush_client.py):
   client ids, retries with the same id, and DUPLICATES of the creates sent twice at once;
3. waits until the worker has run every hazard check (the backlog drain time);
4. checks the database and the bucket: every accepted create stored exactly once (rows
   and audit entries against the acknowledged ids), every punch accepted, every photo's
   objects present, no object in S3 that no row points at, nothing left pending, every
   photo's hazard check finished.

It prints a markdown table and exits 1 when any request ended in an error or any check
failed. Latencies are per attempt (ms, from the client, so they include queueing for a
free connection slot); req/s is attempts per second of the rush's wall time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from api.config import Settings
from benchmarks import rush_data
from benchmarks.cpu import tree_cpu_s
from benchmarks.rush_checks import DrainResult, drain, verify
from benchmarks.rush_client import Phones
from benchmarks.rush_stack import Stack, running_stack
from benchmarks.rush_stats import Check, Ledger, endpoint_rows, render
from infra.local.processes import log_tail
from tests.support.factories import mint_token

SITE_LON, SITE_LAT = 116.30, 39.90
CREW_SIZE = 25
PHOTOS_PER_INSPECTION = 10
INSPECTOR_SCAN_EVERY = 10
PASSWORD = "rush-password-1"  # noqa: S105 - a throwaway account in a throwaway database

PUNCH = "POST /api/attendance/punches"
INSPECTION = "POST /api/inspections"
PHOTO = "POST /api/inspections/{id}/photos"
SCAN = "GET /api/scan/{code}"
EVENT = "POST /api/equipment/{id}/events"


@dataclass
class Options:
    workers: int = 300
    photos: int = 300
    scans: int = 600
    concurrency: int = 32
    duplicates: float = 0.05
    inspectors: int = 2
    equipment: int = 20
    bare_share: float = 0.3
    data: Path = rush_data.SHARED_DATA
    seed: int = 20240611
    drain_timeout_s: float = 900.0
    keep: bool = False


@dataclass
class World:
    company_id: uuid.UUID
    site_id: uuid.UUID
    admin: str
    workers: list[tuple[uuid.UUID, str]] = field(default_factory=list)
    inspectors: list[tuple[uuid.UUID, str]] = field(default_factory=list)
    equipment: list[tuple[uuid.UUID, str]] = field(default_factory=list)


class SetupFailed(RuntimeError):
    pass


def _inside() -> tuple[float, float]:
    return SITE_LAT + 0.001, SITE_LON + 0.001


async def _ok(response_or_none: Any, what: str) -> dict[str, Any]:
    if response_or_none is None:
        raise SetupFailed(f"setup step failed: {what}")
    body: dict[str, Any] = response_or_none.json() if response_or_none.content else {}
    return body


async def _login(phones: Phones, login: str, password: str) -> str:
    r = await phones.send(
        "setup", "POST", "/api/auth/login", json={"login": login, "password": password}
    )
    return str((await _ok(r, f"login {login}"))["access_token"])


async def seed(phones: Phones, stack: Stack, opts: Options, faces: list[rush_data.Face]) -> World:
    settings = Settings.from_env(stack.env)
    root = await _login(phones, *stack.admin_login)
    admin_login = f"rush-admin-{uuid.uuid4().hex[:6]}"
    company = await _ok(
        await phones.send(
            "setup",
            "POST",
            "/api/companies",
            token=root,
            json={
                "name": "Rush Construction Co.",
                "admin": {"login": admin_login, "password": PASSWORD, "name": "Rush admin"},
            },
        ),
        "company",
    )
    admin = await _login(phones, admin_login, PASSWORD)
    ring = [
        [SITE_LON, SITE_LAT],
        [SITE_LON + 0.002, SITE_LAT],
        [SITE_LON + 0.002, SITE_LAT + 0.002],
        [SITE_LON, SITE_LAT + 0.002],
        [SITE_LON, SITE_LAT],
    ]
    site = await _ok(
        await phones.send(
            "setup",
            "POST",
            "/api/sites",
            token=admin,
            json={
                "name": "Rush tower",
                "geofence": {"type": "Polygon", "coordinates": [ring]},
                "timezone": "Asia/Shanghai",
            },
        ),
        "site",
    )
    world = World(uuid.UUID(company["id"]), uuid.UUID(site["id"]), admin)

    async def user(role: str, login: str, crew_id: str | None = None) -> tuple[uuid.UUID, str]:
        body: dict[str, Any] = {"name": login, "role": role, "password": PASSWORD, "login": login}
        if crew_id is not None:
            body["crew_id"] = crew_id
        made = await _ok(
            await phones.send("setup", "POST", "/api/users", token=admin, json=body), login
        )
        user_id = uuid.UUID(made["id"])
        # The phones logged in before the rush (a token lasts a 14 h shift): minted with
        # the stack's own key, as login would, so 300 argon2 checks do not slow the setup.
        return user_id, mint_token(settings, user_id)

    crews: list[str] = []
    for c in range((opts.workers + CREW_SIZE - 1) // CREW_SIZE):
        foreman_id, _ = await user("foreman", f"rush-foreman-{c}")
        crew = await _ok(
            await phones.send(
                "setup",
                "POST",
                "/api/crews",
                token=admin,
                json={"site_id": site["id"], "name": f"Crew {c}", "foreman_id": str(foreman_id)},
            ),
            "crew",
        )
        crews.append(str(crew["id"]))

    async def worker(i: int) -> tuple[uuid.UUID, str]:
        user_id, token = await user("worker", f"rush-worker-{i}", crews[i // CREW_SIZE])
        face = faces[rush_data.face_for(i)]
        await _ok(
            await phones.send(
                "setup",
                "PUT",
                f"/api/users/{user_id}/face",
                token=admin,
                files={"image": ("face.jpg", face.enrol, "image/jpeg")},
                data={"consent": "true"},
            ),
            f"enrol worker {i}",
        )
        return user_id, token

    world.workers = list(await asyncio.gather(*(worker(i) for i in range(opts.workers))))
    for i in range(opts.inspectors):
        inspector = await user("safety_officer", f"rush-inspector-{i}")
        await _ok(
            await phones.send(
                "setup", "PUT", f"/api/sites/{site['id']}/staff/{inspector[0]}", token=admin
            ),
            "staff",
        )
        world.inspectors.append(inspector)
    for i in range(opts.equipment):
        item = await _ok(
            await phones.send(
                "setup",
                "POST",
                "/api/equipment",
                token=admin,
                json={"site_id": site["id"], "name": f"Tower crane {i}", "category": "crane"},
            ),
            "equipment",
        )
        world.equipment.append((uuid.UUID(item["id"]), str(item["code"])))
    return world


@dataclass
class Rush:
    phones: Phones
    world: World
    opts: Options
    rng: random.Random
    photo_bare: dict[uuid.UUID, bool] = field(default_factory=dict)
    first_photo_at: float | None = None

    def _create(
        self, endpoint: str, method: str, url: str, kind: str, client_id: uuid.UUID, **kw: Any
    ) -> Awaitable[Any]:
        send = self.phones.send_twice if self.rng.random() < self.opts.duplicates else None
        if send is not None:
            return send(endpoint, method, url, accept_as=(kind, client_id), **kw)
        return self.phones.send(endpoint, method, url, accept_as=(kind, client_id), **kw)

    async def punch(self, i: int, selfie: bytes) -> None:
        _, token = self.world.workers[i]
        lat, lon = _inside()
        punch_id = uuid.uuid4()
        device = f"rush-phone-{i}"
        meta = {
            "id": str(punch_id),
            "site_id": str(self.world.site_id),
            "kind": "in",
            "lat": lat,
            "lon": lon,
            "accuracy_m": 12.0,
            "captured_at": datetime.now(UTC).isoformat(),
            "device_id": device,
        }
        await self._create(
            PUNCH,
            "POST",
            "/api/attendance/punches",
            "punch",
            punch_id,
            token=token,
            files={"selfie": ("selfie.jpg", selfie, "image/jpeg")},
            data={"meta": json.dumps(meta)},
            headers={"X-Device-Id": device},
        )

    async def inspection(self, n: int, photos: Sequence[rush_data.SitePhoto]) -> None:
        _, token = self.world.inspectors[n % len(self.world.inspectors)]
        inspection_id = uuid.uuid4()
        lat, lon = _inside()
        made = await self._create(
            INSPECTION,
            "POST",
            "/api/inspections/",
            "inspection",
            inspection_id,
            token=token,
            json={
                "id": str(inspection_id),
                "site_id": str(self.world.site_id),
                "title": f"Morning walk {n}",
                "lat": lat,
                "lon": lon,
            },
        )
        if made is None:
            for _ in photos:
                self.phones.ledger.fail(PHOTO, "inspection_missing")
            return
        await asyncio.gather(*(self._photo(inspection_id, token, p) for p in photos))

    async def _photo(
        self, inspection_id: uuid.UUID, token: str, photo: rush_data.SitePhoto
    ) -> None:
        photo_id = uuid.uuid4()
        self.photo_bare[photo_id] = photo.bare_head
        if self.first_photo_at is None:
            self.first_photo_at = time.monotonic()
        lat, lon = _inside()
        meta: dict[str, Any] = {"id": str(photo_id), "captured_at": datetime.now(UTC).isoformat()}
        meta |= {"lat": lat, "lon": lon}
        await self._create(
            PHOTO,
            "POST",
            f"/api/inspections/{inspection_id}/photos",
            "photo",
            photo_id,
            token=token,
            files={"file": (photo.name, photo.data, "image/jpeg")},
            data={"meta": json.dumps(meta)},
        )

    async def scan(self, n: int) -> None:
        item_id, code = self.world.equipment[n % len(self.world.equipment)]
        by_inspector = n % INSPECTOR_SCAN_EVERY == 0 and self.world.inspectors
        if by_inspector:
            token = self.world.inspectors[n % len(self.world.inspectors)][1]
        else:
            token = self.world.workers[self.rng.randrange(len(self.world.workers))][1]
        scanned = await self.phones.send(SCAN, "GET", f"/api/scan/{code}", token=token)
        if scanned is None or not by_inspector:
            return
        event_id = uuid.uuid4()
        await self._create(
            EVENT,
            "POST",
            f"/api/equipment/{item_id}/events",
            "equipment_event",
            event_id,
            token=token,
            json={"id": str(event_id), "kind": "inspection", "note": "Daily check, fine"},
        )


async def run(stack: Stack, opts: Options) -> tuple[str, bool]:
    rng = random.Random(opts.seed)  # noqa: S311 - test data, from a fixed seed
    faces = rush_data.faces()
    photos = rush_data.site_photos(opts.photos, opts.bare_share, opts.data, opts.seed)
    ledger = Ledger()
    setup_ledger = Ledger()
    phones = Phones(stack.base_url, opts.concurrency, setup_ledger, opts.seed)
    try:
        t0 = time.monotonic()
        try:
            world = await seed(phones, stack, opts, faces)
        except SetupFailed as exc:
            codes = {k: dict(v) for k, v in setup_ledger.failures.items()}
            raise SetupFailed(f"{exc}; errors {codes}") from exc
        setup_s = time.monotonic() - t0
        print(f"seeded in {setup_s:.1f}s; the rush starts", file=sys.stderr)
        phones.ledger = ledger
        rush = Rush(phones, world, opts, rng)

        ops: list[Callable[[], Awaitable[None]]] = []
        for i in range(opts.workers):
            face = faces[rush_data.face_for(i)]
            shot = face.selfies[i % len(face.selfies)]
            ops.append(lambda i=i, shot=shot: rush.punch(i, shot))  # type: ignore[misc]
        for n, start in enumerate(range(0, len(photos), PHOTOS_PER_INSPECTION)):
            batch = photos[start : start + PHOTOS_PER_INSPECTION]
            ops.append(lambda n=n, batch=batch: rush.inspection(n, batch))  # type: ignore[misc]
        for n in range(opts.scans):
            ops.append(lambda n=n: rush.scan(n))  # type: ignore[misc]
        rng.shuffle(ops)

        cpu_before = _cpu(stack)
        load_before = os.getloadavg()
        started = time.monotonic()
        await asyncio.gather(*(op() for op in ops))
        wall_s = time.monotonic() - started
        cpu_rush = _minus(_cpu(stack), cpu_before)
        print(f"rush done in {wall_s:.1f}s; waiting for the hazard backlog", file=sys.stderr)

        drained: DrainResult = await drain(stack.env, world.company_id, opts.drain_timeout_s)
        cpu_all = _minus(_cpu(stack), cpu_before)
        load_after = os.getloadavg()
        checks = await verify(stack.env, world.company_id, ledger, rush.photo_bare)
    finally:
        await phones.aclose()

    checks.insert(
        0,
        Check(
            "every request succeeded (after retries)",
            [f"{k}: {dict(v)}" for k, v in sorted(ledger.failures.items())],
            f"{len(ledger.attempts)} attempts, {sum(ledger.retries.values())} retries",
        ),
    )
    checks.append(
        Check(
            "hazard backlog drained",
            [] if drained.done else [f"{drained.left} jobs left after {opts.drain_timeout_s:.0f}s"],
            f"{drained.after_rush_s:.1f}s after the rush, "
            f"{drained.since(rush.first_photo_at):.1f}s after the first upload",
        )
    )
    operations = sum(len(v) for v in ledger.accepted.values()) + opts.scans
    facts = [
        ("date", date.today().isoformat()),
        (
            "rush",
            f"{opts.workers} punches with selfies, {len(photos)} photo uploads "
            f"({sum(p.bare_head for p in photos)} with a bare head), {opts.scans} scans; "
            f"{opts.concurrency} clients, {opts.duplicates:.0%} of creates sent twice at once",
        ),
        ("stack", "1 API process (uvicorn), 1 worker process, embedded PostGIS + SeaweedFS"),
        (
            "machine",
            f"{os.cpu_count()} cores, load average before {_load(load_before)}, "
            f"after {_load(load_after)}",
        ),
        ("setup (seed via the API, face enrolment)", f"{setup_s:.1f} s"),
        ("rush wall time", f"{wall_s:.1f} s"),
        (
            "throughput",
            f"{operations / wall_s:.1f} operations/s, "
            f"{len(ledger.attempts) / wall_s:.1f} requests/s",
        ),
        ("CPU during the rush (s)", _cpu_text(cpu_rush)),
        ("CPU until drained (s)", _cpu_text(cpu_all)),
        (
            "hazard backlog drain",
            f"{drained.after_rush_s:.1f} s after the last request; "
            f"{drained.since(rush.first_photo_at):.1f} s after the first upload",
        ),
    ]
    table = render(endpoint_rows(ledger, wall_s), checks, facts)
    return table, all(c.ok for c in checks)


def _cpu(stack: Stack) -> dict[str, float]:
    # The API with its image-decoding children; the worker with its inference threads.
    return {"api": tree_cpu_s(stack.api_pid), "worker": tree_cpu_s(stack.worker_pid)}


def _minus(a: dict[str, float], b: dict[str, float]) -> dict[str, float]:
    return {k: a[k] - b.get(k, 0.0) for k in a}


def _cpu_text(cpu: dict[str, float]) -> str:
    return ", ".join(f"{k} {v:.1f}" for k, v in cpu.items())


def _load(values: tuple[float, float, float]) -> str:
    return "/".join(f"{v:.2f}" for v in values)


def parse(argv: Sequence[str] | None) -> Options:
    d = Options()
    p = argparse.ArgumentParser(prog="python -m benchmarks.rush", description=__doc__)
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.add_argument("--workers", type=int, default=d.workers, help="punches (one per worker)")
    p.add_argument("--photos", type=int, default=d.photos, help="inspection photo uploads")
    p.add_argument("--scans", type=int, default=d.scans, help="QR scans")
    p.add_argument("--concurrency", type=int, default=d.concurrency, help="requests in flight")
    p.add_argument("--duplicates", type=float, default=d.duplicates, help="share sent twice")
    p.add_argument("--inspectors", type=int, default=d.inspectors)
    p.add_argument("--equipment", type=int, default=d.equipment)
    p.add_argument("--bare-share", type=float, default=d.bare_share)
    p.add_argument("--data", type=Path, default=d.data, help="folder with the labelled sets")
    p.add_argument("--seed", type=int, default=d.seed)
    p.add_argument("--drain-timeout", type=float, default=d.drain_timeout_s)
    p.add_argument("--keep", action="store_true", help="keep the data folder (logs) afterwards")
    a = p.parse_args(argv)
    if min(a.workers, a.inspectors, a.equipment, a.concurrency) < 1 or a.photos < 0 or a.scans < 0:
        p.error("--workers/--inspectors/--equipment/--concurrency >= 1, --photos/--scans >= 0")
    if not 0 <= a.duplicates <= 1 or not 0 <= a.bare_share <= 1:
        p.error("--duplicates and --bare-share are shares between 0 and 1")
    return Options(
        workers=a.workers,
        photos=a.photos,
        scans=a.scans,
        concurrency=a.concurrency,
        duplicates=a.duplicates,
        inspectors=a.inspectors,
        equipment=a.equipment,
        bare_share=a.bare_share,
        data=a.data,
        seed=a.seed,
        drain_timeout_s=a.drain_timeout,
        keep=a.keep,
    )


def _stop_on_sigterm(signum: int, _frame: object) -> None:
    # Unwinds like Ctrl-C: the stack's exit stops the API, the worker and the services.
    raise SystemExit(128 + signum)


def main(argv: Sequence[str] | None = None) -> int:
    opts = parse(argv)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    print("starting the stack (embedded PostGIS + S3, 1 API, 1 worker) ...", file=sys.stderr)
    with running_stack(keep=opts.keep) as stack:
        try:
            table, ok = asyncio.run(run(stack, opts))
        except Exception:
            print(f"--- api.log ---\n{log_tail(stack.data_dir / 'api.log')}", file=sys.stderr)
            print(f"--- worker.log ---\n{log_tail(stack.data_dir / 'worker.log')}", file=sys.stderr)
            raise
        if opts.keep:
            print(f"data and logs kept in {stack.data_dir}", file=sys.stderr)
    print("# Morning rush\n")
    print(table)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
