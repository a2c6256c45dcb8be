"""The S3 store stopped while phones upload inspection photos and punch with selfies:
they get 503 `storage_unavailable` (never a 500), send the same item again, and once
the store is back every photo and selfie is stored exactly once, with nothing stored
before the outage lost."""

from __future__ import annotations

import hashlib
import io
import json
import random
import uuid
from collections.abc import Awaitable

import anyio
import httpx
from PIL import Image
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from api.db.models import Role as R
from storage.s3 import ObjectStore
from tests.faults.clients import Outcome, send_until_stored
from tests.faults.stack import FaultStack
from tests.support import punching
from tests.support.face_photos import face_bytes
from tests.support.factories import World

PHOTO_CLIENTS = 2
PHOTOS_PER_CLIENT = 5
PUNCHES = 5
OUTAGE_S = 3.0


def site_photo(seed: int) -> bytes:
    """A distinct photo per seed (different bytes, so different stored keys)."""
    rng = random.Random(seed)
    img = Image.new("RGB", (640, 480), (rng.randrange(256), rng.randrange(256), 90))
    for _ in range(40):
        x, y = rng.randrange(600), rng.randrange(440)
        img.paste(
            (rng.randrange(256), rng.randrange(256), rng.randrange(256)), (x, y, x + 40, y + 40)
        )
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=85)
    return buf.getvalue()


async def test_s3_stopped_mid_run(
    fault_stack: FaultStack,
    fault_api: httpx.AsyncClient,
    fault_world: World,
    fault_engine: AsyncEngine,
) -> None:
    w = fault_world
    inspector = w.headers(w.a.users[R.SAFETY_OFFICER])
    worker = w.headers(w.a.users[R.WORKER])
    enrol = await fault_api.put(
        f"/api/users/{w.a.users[R.WORKER].id}/face",
        files={"image": ("enrol.jpg", face_bytes("obama"), "image/jpeg")},
        data={"consent": "true"},
        headers=worker,
        timeout=60,
    )
    assert enrol.status_code == 200, enrol.text
    inspection = await fault_api.post(
        "/api/inspections",
        json={"id": str(uuid.uuid4()), "site_id": str(w.a.site.id), "title": "Slab pour"},
        headers=inspector,
    )
    assert inspection.status_code == 201, inspection.text
    upload_url = f"/api/inspections/{inspection.json()['id']}/photos"
    selfie = face_bytes("obama2")

    photo_ids: list[str] = []
    punch_ids: list[str] = []
    outcomes: list[Outcome] = []

    async def photo_client(n: int) -> None:
        for i in range(PHOTOS_PER_CLIENT):
            meta = json.dumps({"id": str(uuid.uuid4())})
            data = site_photo(n * 100 + i)
            photo_ids.append(json.loads(meta)["id"])

            def send(meta: str = meta, data: bytes = data) -> Awaitable[httpx.Response]:
                return fault_api.post(
                    upload_url,
                    files={"file": ("p.jpg", data, "image/jpeg")},
                    data={"meta": meta},
                    headers=inspector,
                    timeout=30,
                )

            outcomes.append(await send_until_stored("photo", send))
            await anyio.sleep(0.3)

    async def punch_client() -> None:
        for i in range(PUNCHES):
            body = punching.meta(w.a.site, kind="in" if i % 2 == 0 else "out")
            punch_ids.append(body["id"])
            outcomes.append(
                await send_until_stored(
                    "punch",
                    lambda body=body: punching.post_punch(fault_api, worker, body, selfie),  # type: ignore[misc]
                )
            )
            await anyio.sleep(0.3)

    async with anyio.create_task_group() as tg:
        for n in range(PHOTO_CLIENTS):
            tg.start_soon(photo_client, n)
        tg.start_soon(punch_client)
        await anyio.sleep(1.5)
        await anyio.to_thread.run_sync(fault_stack.stop_s3)
        await anyio.sleep(OUTAGE_S)
        await anyio.to_thread.run_sync(fault_stack.start_s3)

    seen = {answer for o in outcomes for answer in o.answers}
    assert all(o.stored for o in outcomes), [o for o in outcomes if not o.stored]
    assert (503, "storage_unavailable") in seen, seen
    assert seen <= {(201, None), (200, None), (503, "storage_unavailable")}, seen
    assert not [o for o in outcomes if o.errors], [o.errors for o in outcomes if o.errors]
    # Items stored before the outage were answered 201 first time (nothing got lost).
    assert sum(1 for o in outcomes if o.answers[0][0] == 201) >= 2

    async with fault_engine.connect() as conn:
        photos = (
            await conn.execute(text("SELECT id::text, key, thumb_key, sha256 FROM photos"))
        ).all()
        punches = (await conn.execute(text("SELECT id::text, selfie_key FROM punches"))).all()
        pending = (await conn.execute(text("SELECT count(*) FROM pending_objects"))).scalar()
    assert sorted(p.id for p in photos) == sorted(photo_ids)
    assert sorted(p.id for p in punches) == sorted(punch_ids)
    # Every upload that ended got its row, so no key waits for the orphan sweeper.
    assert pending == 0

    # Every object the rows point at is in the store, whole (photos from before the
    # outage included).
    store = ObjectStore(fault_stack.settings.s3)
    for photo in photos:
        full = await store.get_bytes(photo.key)
        assert hashlib.sha256(full).hexdigest() == photo.sha256
        assert await store.exists(photo.thumb_key)
    for punch in punches:
        assert punch.selfie_key is not None
        # The kept selfie is the pipeline's clean copy, not the upload: whole if it decodes.
        kept = await store.get_bytes(punch.selfie_key)
        with Image.open(io.BytesIO(kept)) as img:
            img.load()
            assert img.format == "JPEG"
