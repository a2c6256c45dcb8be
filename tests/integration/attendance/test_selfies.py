"""Punch selfies in the store: what is kept (a clean copy), what a failed punch leaves
(a pending mark the sweeper acts on), and what a consent withdrawal deletes."""

from __future__ import annotations

import io
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import anyio
import httpx
import pytest
from PIL import ExifTags, Image
from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from api.config import Settings
from api.db.models import PendingObject, Punch, Role
from api.db.models.base import utcnow
from api.domain.photos.jobs import sweep_orphans_once
from api.jobs.runtime import JobRuntime, set_job_runtime
from api.jobs.worker import run_until_idle
from storage.s3 import ObjectStore
from tests.support import punching
from tests.support.face_photos import face_bytes, selfie
from tests.support.factories import World

R = Role
TRAILER = b"appended-after-the-image:" + b"\xab" * 64


@pytest.fixture
async def job_runtime(settings: Settings) -> AsyncIterator[None]:
    runtime = JobRuntime.create(settings)
    set_job_runtime(runtime)
    try:
        yield
    finally:
        set_job_runtime(None)
        await runtime.engine.dispose()


async def _enrol(api: httpx.AsyncClient, world: World, role: Role = R.WORKER) -> None:
    user = world.a.users[role]
    response = await api.put(
        f"/api/users/{user.id}/face",
        files={"image": ("enrol.jpg", face_bytes("obama"), "image/jpeg")},
        data={"consent": "true"},
        headers=world.headers(user),
    )
    assert response.status_code == 200, response.text


async def _punch(
    api: httpx.AsyncClient, world: World, role: Role = R.WORKER, image: bytes | None = None
) -> dict[str, Any]:
    response = await punching.post_punch(
        api,
        world.headers(world.a.users[role]),
        punching.meta(world.a.site),
        image if image is not None else selfie("obama2"),
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def _key(world: World, punch_id: str) -> str:
    return f"selfies/{world.a.company.id}/{punch_id}.jpg"


async def _pending(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as conn:
        return list((await conn.execute(select(PendingObject.key))).scalars().all())


def _with_exif_and_trailer(image: bytes) -> bytes:
    """The selfie as a phone's own camera file carries it: make, model and GPS in EXIF,
    and bytes appended after the image's end (as hidden-payload tools do)."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "SpyPhone"
    exif[ExifTags.Base.Model] = "X-1 serial 12345"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (39.0, 54.0, 3.6)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (116.0, 18.0, 3.6)
    buf = io.BytesIO()
    with Image.open(io.BytesIO(image)) as img:
        img.save(buf, format="JPEG", quality=90, exif=exif.tobytes())
    return buf.getvalue() + TRAILER


# --------------------------------------------------------------------- what is kept


async def test_the_kept_selfie_is_a_clean_copy_without_metadata_or_trailer(
    api: httpx.AsyncClient, world: World, settings: Settings
) -> None:
    await _enrol(api, world)
    upload = _with_exif_and_trailer(selfie("obama2"))
    with Image.open(io.BytesIO(upload)) as img:
        assert img.getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the upload does carry GPS
    body = await _punch(api, world, image=upload)
    assert body["status"] == "accepted", body

    stored = await ObjectStore(settings.s3).get_bytes(_key(world, body["id"]))
    assert stored.startswith(b"\xff\xd8")
    assert stored.endswith(b"\xff\xd9")
    for leak in (b"Exif", b"SpyPhone", b"serial 12345", TRAILER[:24]):
        assert leak not in stored, leak
    with Image.open(io.BytesIO(stored)) as kept:
        assert kept.format == "JPEG"
        assert not kept.getexif()
        assert max(kept.size) <= 640


# ------------------------------------------------------------ a punch that failed


async def _cancel_the_parked_insert(engine: AsyncEngine) -> None:
    """Wait for the punch's INSERT to queue behind the test's table lock (its selfie is
    written by then: storing ends before the row is added), then cancel that statement,
    which fails the punch's transaction as a database error would."""
    query = text(
        "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
        "AND query ILIKE 'INSERT INTO punches%'"
    )
    with anyio.fail_after(60):
        while True:
            async with engine.connect() as conn:
                pids = (await conn.execute(query)).scalars().all()
                if pids:
                    for pid in pids:
                        await conn.execute(text("SELECT pg_cancel_backend(:pid)"), {"pid": pid})
                    return
            await anyio.sleep(0.05)


async def test_a_selfie_stored_before_its_punch_failed_is_swept(
    api: httpx.AsyncClient,
    world: World,
    engine: AsyncEngine,
    settings: Settings,
    job_runtime: None,
) -> None:
    await _enrol(api, world)
    meta = punching.meta(world.a.site)
    key = _key(world, meta["id"])
    store = ObjectStore(settings.s3)
    answers: list[httpx.Response] = []

    async def send() -> None:
        headers = world.headers(world.a.users[R.WORKER])
        answers.append(await punching.post_punch(api, headers, meta, selfie("obama2")))

    async with engine.connect() as lock:
        await lock.execute(text("LOCK TABLE punches IN SHARE MODE"))
        async with anyio.create_task_group() as tg:
            tg.start_soon(send)
            await _cancel_the_parked_insert(engine)
            await lock.rollback()

    assert answers[0].status_code >= 500, answers[0].text
    async with engine.connect() as conn:
        assert await conn.scalar(select(func.count()).select_from(Punch)) == 0
    # The object was written; its mark survived the failed transaction.
    assert await store.exists(key)
    assert await _pending(engine) == [key]

    assert await sweep_orphans_once(older_than=timedelta(0)) == 1
    assert not await store.exists(key)
    assert await _pending(engine) == []

    # The phone sends it again: stored once, no mark left behind.
    again = await punching.post_punch(
        api, world.headers(world.a.users[R.WORKER]), meta, selfie("obama2")
    )
    assert again.status_code == 201, again.text
    replay = await punching.post_punch(
        api, world.headers(world.a.users[R.WORKER]), meta, selfie("obama2")
    )
    assert replay.status_code == 200, replay.text
    assert await store.exists(key)
    assert await _pending(engine) == []
    # A stale mark on a key a punch refers to never costs that punch its selfie.
    async with engine.begin() as conn:
        stale = utcnow() - timedelta(hours=2)
        await conn.execute(insert(PendingObject).values(key=key, created_at=stale))
    assert await sweep_orphans_once() == 0
    assert await store.exists(key)
    assert await _pending(engine) == []


# ---------------------------------------------------------------- consent withdrawn


async def test_erasing_the_face_deletes_the_workers_selfies_and_keeps_the_punches(
    api: httpx.AsyncClient, world: World, engine: AsyncEngine, settings: Settings
) -> None:
    await _enrol(api, world)
    await _enrol(api, world, R.FOREMAN)
    mine = [await _punch(api, world), await _punch(api, world)]
    theirs = await _punch(api, world, R.FOREMAN)
    store = ObjectStore(settings.s3)
    my_keys = [_key(world, p["id"]) for p in mine]
    for key in [*my_keys, _key(world, theirs["id"])]:
        assert await store.exists(key)

    worker = world.a.users[R.WORKER]
    erased = await api.delete(f"/api/users/{worker.id}/face", headers=world.headers(worker))
    assert erased.status_code == 204, erased.text

    # Forgotten at once (no link can be made) and marked, so the sweeper would find the
    # objects even if the queued job were lost.
    admin = world.headers(world.a.users[R.ADMIN])
    for punch in mine:
        shown = await api.get(f"/api/attendance/punches/{punch['id']}", headers=admin)
        assert shown.status_code == 200
        assert shown.json()["selfie_url"] is None
    assert sorted(await _pending(engine)) == sorted(my_keys)

    await run_until_idle(settings)

    for key in my_keys:
        assert not await store.exists(key)
    assert await store.exists(_key(world, theirs["id"]))
    assert await _pending(engine) == []
    async with engine.connect() as conn:
        rows = dict((await conn.execute(select(Punch.id, Punch.selfie_key))).all())
    assert set(rows) == {uuid.UUID(p["id"]) for p in [*mine, theirs]}
    assert [rows[uuid.UUID(p["id"])] for p in mine] == [None, None]
    assert rows[uuid.UUID(theirs["id"])] == _key(world, theirs["id"])
    listed = await api.get(f"/api/attendance/punches?user_id={worker.id}", headers=admin)
    assert [item["selfie_url"] for item in listed.json()["items"]] == [None, None]
    trail = await api.get(f"/api/audit?entity=user_face&entity_id={worker.id}", headers=admin)
    erase = next(i for i in trail.json()["items"] if i["action"] == "face_erase")
    assert erase["after"]["selfies_deleted"] == 2
