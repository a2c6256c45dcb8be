"""Recording a punch: read the selfie, judge the punch (verdicts.py), store it once.

One client id is one punch: the idempotency key (api/lib/idempotency.py) is taken in
the request's transaction before any work, so a resend waits for the first arrival
and replays its answer, and racing identical uploads store exactly one row. Punches of
one worker are serialised by an advisory lock, so two punches arriving together still
see each other for the travel check and cannot both bind a "first" device.

The selfie goes to S3 (private, under `selfies/<company>/<punch id>.jpg`) only for
workers with face consent, i.e. with enrolled templates; for the non-face path it is
neither analysed nor kept. What is kept is a re-encoded copy without metadata
(selfies.py), for `selfie_retention_days` (then a periodic job deletes it) or until the
worker withdraws consent. Its key is marked pending and committed before the punch's
own transaction begins, and unmarked in it: a punch that fails after the write leaves
the object to the sweeper.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

import anyio
import msgspec
from litestar.datastructures import UploadFile
from sqlalchemy import func, select, union_all
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from api.config import Settings
from api.db.models import Punch, PunchStatus, Site, WorkerDevice
from api.db.models.base import utcnow
from api.domain.attendance import verdicts
from api.domain.attendance.schemas import PunchMeta, PunchOut
from api.domain.attendance.selfies import selfie_key, store_selfie
from api.domain.attendance.views import punch_out
from api.domain.faces.recognition import IMAGE_INVALID, NOT_ENROLLED, verify_face
from api.domain.photos.pending_objects import mark_pending, unmark
from api.lib import audit
from api.lib.authz import get_visible_site
from api.lib.context import Actor
from api.lib.geo import check_point, point_geography
from api.lib.idempotency import Outcome, create_once, fingerprint
from api.lib.uploads import read_upload
from storage.images import ImageInvalid, sniff_format
from storage.s3 import ObjectStore

T = TypeVar("T")

# A PWA selfie is ~200 KB; a phone's own camera file up to a few MB. Anything bigger is
# not a selfie.
SELFIE_MAX_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class Selfie:
    data: bytes
    format: str
    sha256: str


async def read_selfie(upload: UploadFile | None) -> Selfie:
    data = await read_upload(upload, SELFIE_MAX_BYTES, part="selfie")
    fmt = sniff_format(data[:64])
    if fmt is None:
        raise ImageInvalid("the selfie is not a JPEG, PNG, WebP, HEIC or AVIF image")
    return Selfie(data=data, format=fmt, sha256=hashlib.sha256(data).hexdigest())


async def record_punch(
    session: AsyncSession,
    actor: Actor,
    settings: Settings,
    store: ObjectStore,
    meta: PunchMeta,
    selfie: Selfie,
) -> Outcome[PunchOut]:
    key = selfie_key(actor.company_id, meta.id)

    async def create() -> PunchOut:
        return await _create(session, actor, settings, store, meta, selfie, key)

    # Marked for every punch, before the idempotency key is taken (committing after it
    # would publish a key without its answer): whether a selfie is kept is only known
    # after the face check, and a mark whose key was never written costs the sweeper a
    # no-op delete at most. The punch's transaction (or a replay's) removes it again.
    await mark_pending(session, [key])
    await session.commit()
    outcome = await create_once(
        session,
        actor,
        scope="punch",
        client_id=meta.id,
        request_hash=fingerprint(meta, selfie.sha256),
        create=create,
        out=PunchOut,
    )
    await unmark(session, [key])
    return outcome


class _Clock:
    """Milliseconds per stage, for the reply and the benchmark."""

    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self._start = time.perf_counter()

    async def time(self, stage: str, work: Callable[[], Awaitable[T]]) -> T:
        t0 = time.perf_counter()
        try:
            return await work()
        finally:
            elapsed = (time.perf_counter() - t0) * 1000
            self.timings[stage] = round(self.timings.get(stage, 0.0) + elapsed, 2)

    def total(self) -> dict[str, float]:
        return {**self.timings, "total": round((time.perf_counter() - self._start) * 1000, 2)}


async def _create(
    session: AsyncSession,
    actor: Actor,
    settings: Settings,
    store: ObjectStore,
    meta: PunchMeta,
    selfie: Selfie,
    stored_key: str,
) -> PunchOut:
    clock = _Clock()
    received_at = utcnow()
    check_point(meta.lat, meta.lon)
    site = await clock.time("db", lambda: get_visible_site(session, actor, meta.site_id))
    user_id = actor.id
    await clock.time("db", lambda: lock_worker(session, user_id))

    j = verdicts.Judgement()
    inside, distance = await clock.time("geofence", lambda: _geofence(session, site, meta))
    verdicts.judge_geofence(j, inside, distance)
    verdicts.judge_accuracy(j, meta.accuracy_m, site.max_accuracy_m)
    age_s = verdicts.judge_clock(j, meta.captured_at, received_at)

    face = await verify_face(session, settings, user_id, selfie.data)
    clock.timings.update({f"face_{k}": round(v, 2) for k, v in face.timings_ms.items()})
    if face.reason == IMAGE_INVALID:
        raise ImageInvalid("the selfie could not be decoded")
    verdicts.judge_face(j, face)

    punch_id = meta.id
    # Storing runs beside the remaining database checks: they do not depend on it.
    key = None
    async with anyio.create_task_group() as tg:
        if face.reason != NOT_ENROLLED:
            key = stored_key
            tg.start_soon(
                clock.time,
                "storage",
                lambda: store_selfie(store, settings, user_id, stored_key, selfie.data),
            )
        neighbours = await clock.time("db", lambda: _neighbours(session, user_id, punch_id, meta))
        verdicts.judge_travel(j, meta.accuracy_m, meta.captured_at, neighbours)
        known, first = await clock.time(
            "db", lambda: _bind_device(session, actor, meta.device_id, received_at)
        )
        verdicts.judge_device(j, meta.device_id, known=known, first=first)
    verdicts.judge_site(j, site.is_active)

    punch = Punch(
        id=punch_id,
        company_id=actor.company_id,
        site_id=site.id,
        user_id=user_id,
        kind=meta.kind,
        status=j.status,
        reasons=j.reasons,
        checks=j.checks,
        lat=meta.lat,
        lon=meta.lon,
        accuracy_m=meta.accuracy_m,
        captured_at=meta.captured_at,
        received_at=received_at,
        age_s=age_s,
        device_id=meta.device_id,
        distance_m=round(distance, 1),
        face_distance=face.distance,
        selfie_key=key,
        selfie_expires_at=(
            received_at + timedelta(days=settings.attendance.selfie_retention_days) if key else None
        ),
    )
    session.add(punch)
    await clock.time("db", session.flush)
    out = punch_out(punch)
    await audit.record(
        session,
        actor,
        action="create",
        entity="punch",
        entity_id=punch_id,
        after=msgspec.to_builtins(out),
    )
    return msgspec.structs.replace(out, timings_ms=clock.total())


async def lock_worker(session: AsyncSession, user_id: uuid.UUID) -> None:
    """Until the transaction ends, no other punch of this worker is judged or stored (and
    a face erasure waits for the one in progress)."""
    key = func.hashtextextended(f"punch:{user_id}", 0)
    await session.execute(select(func.pg_advisory_xact_lock(key)))


async def _geofence(session: AsyncSession, site: Site, meta: PunchMeta) -> tuple[bool, float]:
    point = point_geography(meta.lat, meta.lon)
    row = (
        await session.execute(
            select(
                # The accuracy circle touching the fence counts as inside.
                func.ST_DWithin(Site.geofence, point, meta.accuracy_m),
                func.ST_Distance(Site.geofence, point),
            ).where(Site.id == site.id)
        )
    ).one()
    return bool(row[0]), float(row[1])


async def _neighbours(
    session: AsyncSession, user_id: uuid.UUID, punch_id: uuid.UUID, meta: PunchMeta
) -> list[verdicts.Neighbour]:
    """The worker's punches just before and just after this one in capture time.
    Rejected punches are left out: a buddy punch from elsewhere must not make the
    real worker's punch look like impossible travel."""
    distance = func.ST_Distance(
        point_geography(Punch.lat, Punch.lon), point_geography(meta.lat, meta.lon)
    )
    base = select(Punch.id, Punch.captured_at, Punch.accuracy_m, distance.label("d")).where(
        Punch.user_id == user_id, Punch.status != PunchStatus.REJECTED, Punch.id != punch_id
    )
    before = base.where(Punch.captured_at <= meta.captured_at).order_by(Punch.captured_at.desc())
    after = base.where(Punch.captured_at > meta.captured_at).order_by(Punch.captured_at)
    rows = await session.execute(union_all(before.limit(1), after.limit(1)))
    return [
        verdicts.Neighbour(
            punch_id=str(pid), captured_at=at, accuracy_m=float(acc), distance_m=float(d)
        )
        for pid, at, acc, d in rows
    ]


async def _bind_device(
    session: AsyncSession, actor: Actor, device_id: str, now: datetime
) -> tuple[bool, bool]:
    """(known, first): the first device a worker punches from binds; any other waits
    (unbound) until a reviewer accepts one of its punches."""
    devices = {
        d.device_id: d
        for d in await session.scalars(select(WorkerDevice).where(WorkerDevice.user_id == actor.id))
    }
    if device_id in devices:
        devices[device_id].last_seen_at = now
        return devices[device_id].bound, False
    first = not any(d.bound for d in devices.values())
    await session.execute(
        insert(WorkerDevice)
        .values(
            user_id=actor.id,
            device_id=device_id,
            company_id=actor.company_id,
            bound=first,
            first_seen_at=now,
            last_seen_at=now,
        )
        .on_conflict_do_nothing()
    )
    return False, first
