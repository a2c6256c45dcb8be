"""Benchmark: server-side time per punch, ours against the naive face_recognition baseline.

Reproducible end to end: starts its own throwaway PostGIS + S3 (``EmbeddedStack`` in a
temporary folder, stopped and removed at the end), applies the migrations, makes two
companies with a site, a crew and a worker (tests/support/factories.py), enrols the worker's
face through the real enrolment service with the shared obama.jpg, then records punches
through the real punch service (api/domain/attendance/punches.py ``record_punch``: the
geofence query, the worker lock, the travel and device queries, the insert, the audit
row, the idempotency key, the selfie upload to S3, and the commit), one session and
transaction per punch, as the API runs them.

Two face engines run inside that same punch path:

* ours: ``api.domain.faces.recognition.verify_face`` (inference/face.py: EXIF orientation, bounded
  decode, 640 px HOG without upsampling, retried with one step when nothing is found);
* naive: ``face_recognition.load_image_file`` + ``face_recognition.face_encodings`` with
  its defaults on the full image (HOG with one upsampling step, 5-point landmarks, one
  jitter), split into ``face_locations`` + ``face_encodings(known_face_locations=...)``
  only to time detection and encoding apart (the same calls ``face_encodings`` makes).

Photos, made from the real shared faces (tests/support/face_photos.py): a 640 px baseline-JPEG
selfie as the PWA sends it, and a 12 MP (4000x3000) phone-camera JPEG stored sideways
with EXIF orientation 6. obama2 and obama3 alternate. The engines alternate punch by
punch after a warm-up, so drift on the machine affects both alike.

Stages (milliseconds, p50 / p95 over N punches): decode, detect, encode as the face
engine reports them; geofence (the PostGIS ST_DWithin/ST_Distance query); database
(every other query, the insert and the commit, plus loading the templates); storage (the
S3 upload, which runs beside the database work); total is the wall time of the whole
punch including the commit. "api cpu" is the CPU time this process (the API's share:
face work, Python, drivers; not PostgreSQL's or the S3 server's) used per punch: on a
machine shared with other work the wall times grow with the load, this much less. The
load average before and after the run is printed with the table.

Usage::

    uv run python -m benchmarks.attendance [--punches N] [--warmup W]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import io
import os
import platform
import secrets
import shutil
import statistics
import sys
import tempfile
import time
import uuid
import warnings
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio.to_thread
import dlib  # type: ignore[import-untyped]
import numpy as np
from litestar.datastructures import UploadFile
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from api.config import Settings
from api.db.migrate import upgrade
from api.db.models import PunchKind, Role
from api.domain.attendance import punches
from api.domain.attendance.schemas import PunchMeta
from api.domain.faces import services as face_services
from api.domain.faces.recognition import (
    MULTIPLE_FACES,
    NO_FACE,
    FaceCheck,
    face_limiter,
    verify_face,
    warm_up_faces,
)
from api.domain.faces.schemas import FaceEnrolForm
from api.domain.faces.templates import load_templates
from api.lib.context import Actor
from inference.face import face_distance
from infra.local.embedded import EmbeddedStack
from storage.images import sniff_format
from storage.s3 import ObjectStore
from tests.support.face_photos import face_bytes, phone_photo_12mp, selfie
from tests.support.factories import World, build_world

DEFAULT_PUNCHES = 50
DEFAULT_WARMUP = 3
STAGES = ("decode", "detect", "encode", "geofence", "database", "storage", "api cpu")
GOAL_SELFIE_P50_MS = 150.0
GOAL_12MP_RATIO = 10.0

Verify = Callable[[AsyncSession, Settings, uuid.UUID, bytes], Awaitable[FaceCheck]]


# --------------------------------------------------------------------- the baseline


def _import_face_recognition() -> Any:
    # Its models package imports pkg_resources (a deprecation warning); it also sets
    # Pillow's LOAD_TRUNCATED_IMAGES, harmless for these well-formed photos.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import face_recognition  # type: ignore[import-untyped]
    return face_recognition


def _naive_encode(image: bytes) -> tuple[list[Any], dict[str, float]]:
    fr = _import_face_recognition()
    t0 = time.perf_counter()
    pixels = fr.load_image_file(io.BytesIO(image))
    t1 = time.perf_counter()
    locations = fr.face_locations(pixels)
    t2 = time.perf_counter()
    encodings = fr.face_encodings(pixels, known_face_locations=locations)
    t3 = time.perf_counter()
    timings = {"decode": t1 - t0, "detect": t2 - t1, "encode": t3 - t2}
    return list(encodings), {k: v * 1000 for k, v in timings.items()}


async def naive_verify_face(
    session: AsyncSession, settings: Settings, user_id: uuid.UUID, image: bytes
) -> FaceCheck:
    """verify_face's contract with face_recognition's defaults inside."""
    t0 = time.perf_counter()
    templates = await load_templates(session, settings.faces.key, user_id)
    timings = {"templates": (time.perf_counter() - t0) * 1000}
    encodings, stages = await anyio.to_thread.run_sync(_naive_encode, image, limiter=face_limiter())
    timings.update(stages)
    if len(encodings) != 1:
        reason = NO_FACE if not encodings else MULTIPLE_FACES
        return FaceCheck(ok=False, distance=None, reason=reason, timings_ms=timings)
    distance = face_distance(np.asarray(encodings[0], dtype=np.float64), templates)
    ok = distance <= settings.faces.match_threshold
    return FaceCheck(ok, round(distance, 4), None if ok else "face_mismatch", timings)


# ------------------------------------------------------------------------ one punch


def use_face_engine(verify: Verify) -> None:
    """The one seam: the punch service looks `verify_face` up in its module's globals
    at call time, so swapping it there changes nothing else in the punch path."""
    vars(punches)["verify_face"] = verify


@dataclass
class Series:
    stages: dict[str, list[float]] = field(default_factory=lambda: {s: [] for s in STAGES})
    totals: list[float] = field(default_factory=list)
    face_ok: int = 0
    reasons: dict[str, int] = field(default_factory=dict)


async def punch_once(
    maker: async_sessionmaker[AsyncSession],
    actor: Actor,
    settings: Settings,
    store: ObjectStore,
    site_id: uuid.UUID,
    centre: tuple[float, float],
    photo: bytes,
    kind: PunchKind,
    verify: Verify,
) -> tuple[float, dict[str, float], dict[str, Any]]:
    use_face_engine(verify)
    fmt = sniff_format(photo[:64])
    assert fmt is not None
    picture = punches.Selfie(data=photo, format=fmt, sha256=hashlib.sha256(photo).hexdigest())
    meta = PunchMeta(
        id=uuid.uuid4(),
        site_id=site_id,
        kind=kind,
        lat=centre[1],
        lon=centre[0],
        accuracy_m=8.0,
        captured_at=datetime.now(UTC),
        device_id="bench-phone",
    )
    started = time.perf_counter()
    cpu_started = time.process_time()
    async with maker() as session:
        outcome = await punches.record_punch(session, actor, settings, store, meta, picture)
        committing = time.perf_counter()
        await session.commit()
        commit_ms = (time.perf_counter() - committing) * 1000
    total_ms = (time.perf_counter() - started) * 1000
    cpu_ms = (time.process_time() - cpu_started) * 1000
    t = outcome.body.timings_ms or {}
    stages = {
        "decode": t.get("face_decode", 0.0),
        "detect": t.get("face_detect", 0.0),
        "encode": t.get("face_encode", 0.0),
        "geofence": t.get("geofence", 0.0),
        "database": t.get("db", 0.0) + t.get("face_templates", 0.0) + commit_ms,
        "storage": t.get("storage", 0.0),
        "api cpu": cpu_ms,
    }
    return total_ms, stages, outcome.body.checks["face"]


# ------------------------------------------------------------------------ the run


@dataclass
class Scenario:
    name: str
    photos: list[bytes]
    results: dict[str, Series] = field(default_factory=dict)


def _q(values: Sequence[float], pct: int) -> float:
    if len(values) == 1:
        return values[0]
    # "inclusive" interpolates between closest ranks, like numpy's default.
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1]


async def bench(env: dict[str, str], n_punches: int, warmup: int) -> list[Scenario]:
    settings = Settings.from_env(
        {
            **env,
            "S3_BUCKET": "sitecheck-bench",
            "SITECHECK_JWT_SECRET": secrets.token_urlsafe(48),
            "SITECHECK_FACE_KEY": secrets.token_hex(32),
        }
    )
    await anyio.to_thread.run_sync(upgrade, settings.db.url)
    engine: AsyncEngine = create_async_engine(settings.db.url, pool_size=4)
    try:
        world: World = await build_world(engine, settings)
        worker = world.a.users[Role.WORKER]
        actor = Actor(user=worker, ip="127.0.0.1", device_id="bench-phone")
        site_id = world.a.site.id
        ring = world.a.site_geojson["coordinates"][0]
        centre = ((ring[0][0] + ring[2][0]) / 2, (ring[0][1] + ring[2][1]) / 2)
        store = ObjectStore(settings.s3)
        await store.ensure_bucket()
        maker = async_sessionmaker(engine, expire_on_commit=False)

        await warm_up_faces()
        async with maker() as session:
            upload = UploadFile("image/jpeg", "obama.jpg", file_data=face_bytes("obama"))
            form = FaceEnrolForm(image=upload, consent="true")
            await face_services.enrol(session, actor, settings, worker.id, form)
            await session.commit()

        scenarios = [
            Scenario("640 px selfie", [selfie("obama2"), selfie("obama3")]),
            Scenario("12 MP phone photo", [phone_photo_12mp("obama2"), phone_photo_12mp("obama3")]),
        ]
        engines: dict[str, Verify] = {"ours": verify_face, "naive": naive_verify_face}
        kinds = (PunchKind.IN, PunchKind.OUT)
        for scenario in scenarios:
            scenario.results = {name: Series() for name in engines}
            for i in range(warmup + n_punches):
                photo = scenario.photos[i % len(scenario.photos)]
                for name, verify in engines.items():
                    total, stages, face = await punch_once(
                        maker, actor, settings, store, site_id, centre, photo, kinds[i % 2], verify
                    )
                    if i < warmup:
                        continue
                    series = scenario.results[name]
                    series.totals.append(total)
                    for stage, ms in stages.items():
                        series.stages[stage].append(ms)
                    series.face_ok += bool(face["ok"])
                    reason = str(face.get("reason") or "ok")
                    series.reasons[reason] = series.reasons.get(reason, 0) + 1
                print(f"  {scenario.name}: punch {i + 1}/{warmup + n_punches}", file=sys.stderr)
        return scenarios
    finally:
        use_face_engine(verify_face)
        await engine.dispose()


def _load(values: tuple[float, float, float]) -> str:
    return "/".join(f"{v:.1f}" for v in values)


def report(
    scenarios: list[Scenario],
    n_punches: int,
    load_before: tuple[float, float, float],
    load_after: tuple[float, float, float],
) -> str:
    lines = [
        "# Server-side time per punch (ms), ours vs naive face_recognition",
        "",
        f"{n_punches} punches per row; python {platform.python_version()}, "
        f"dlib {dlib.__version__}, {os.cpu_count()} cores, {platform.machine()}; "
        f"load average (1/5/15 min) before {_load(load_before)}, after {_load(load_after)}",
        "",
        "| photo | pipeline | "
        + " | ".join(f"{s} p50/p95" for s in STAGES)
        + " | **total p50** | **total p95** | face checks |",
        "|---|---|" + "---|" * len(STAGES) + "---|---|---|",
    ]
    for scenario in scenarios:
        for name, series in scenario.results.items():
            cells = [
                f"{_q(series.stages[s], 50):.1f} / {_q(series.stages[s], 95):.1f}" for s in STAGES
            ]
            outcome = ", ".join(f"{k} {v}" for k, v in sorted(series.reasons.items()))
            lines.append(
                f"| {scenario.name} | {name} | "
                + " | ".join(cells)
                + f" | **{_q(series.totals, 50):.1f}** | **{_q(series.totals, 95):.1f}**"
                + f" | {outcome} |"
            )
    lines += [
        "",
        "| photo | naive p50 | ours p50 | ratio p50 | naive p95 | ours p95 | ratio p95 |",
        "|---|---|---|---|---|---|---|",
    ]
    ratios: dict[str, float] = {}
    selfie_p50 = 0.0
    for scenario in scenarios:
        ours, naive = scenario.results["ours"].totals, scenario.results["naive"].totals
        r50 = _q(naive, 50) / _q(ours, 50)
        r95 = _q(naive, 95) / _q(ours, 95)
        ratios[scenario.name] = r50
        if scenario.name.startswith("640"):
            selfie_p50 = _q(ours, 50)
        lines.append(
            f"| {scenario.name} | {_q(naive, 50):.1f} | {_q(ours, 50):.1f} | {r50:.1f}x "
            f"| {_q(naive, 95):.1f} | {_q(ours, 95):.1f} | {r95:.1f}x |"
        )
    big = ratios.get("12 MP phone photo", 0.0)
    lines += [
        "",
        f"- goal p50 < {GOAL_SELFIE_P50_MS:.0f} ms for the 640 px selfie: {selfie_p50:.1f} ms "
        f"({'met' if selfie_p50 < GOAL_SELFIE_P50_MS else 'NOT met'})",
        f"- goal >= {GOAL_12MP_RATIO:.0f}x faster than naive on 12 MP (p50): {big:.1f}x "
        f"({'met' if big >= GOAL_12MP_RATIO else 'NOT met'})",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--punches", type=int, default=DEFAULT_PUNCHES)
    parser.add_argument("--warmup", type=int, default=DEFAULT_WARMUP)
    args = parser.parse_args(argv)
    if args.punches < 1 or args.warmup < 0:
        parser.error("--punches must be >= 1 and --warmup >= 0")
    load_before = os.getloadavg()
    data_dir = Path(tempfile.mkdtemp(prefix="sitecheck-bench-attendance-"))
    stack = EmbeddedStack(data_dir)
    try:
        env = stack.start()
        scenarios = asyncio.run(bench(env, args.punches, args.warmup))
    finally:
        stack.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
    print(report(scenarios, args.punches, load_before, os.getloadavg()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
