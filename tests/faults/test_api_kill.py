"""The API killed (SIGKILL) mid-upload. One phone is still streaming a large photo; it
sends it again (same id) to the restarted API and gets exactly one photo. Another
upload was past writing its objects to S3 and waiting for its row when the process
died; its phone never comes back (lost, wiped), so only the orphan sweeper can remove
those objects, and it does."""

from __future__ import annotations

import io
import json
import os
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import anyio
import httpx
from PIL import Image
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from api.db.models import Role as R
from api.domain.photos.jobs import sweep_orphans_once
from api.jobs.runtime import JobRuntime, set_job_runtime
from storage.s3 import ObjectStore
from tests.faults.stack import FaultStack
from tests.faults.test_s3_outage import site_photo
from tests.support.factories import World

CHUNK = 64 * 1024


def large_photo() -> bytes:
    """Noise compresses badly: a 2000x1500 JPEG of several MB, like an unreduced phone
    photo sent by a client that skipped compression."""
    img = Image.frombytes("RGB", (2000, 1500), os.urandom(2000 * 1500 * 3))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=90)
    return buf.getvalue()


def multipart(meta: dict[str, str], data: bytes) -> tuple[str, bytes, bytes]:
    """(content type, everything before the file's bytes, everything after them)."""
    boundary = uuid.uuid4().hex
    head = (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="meta"\r\n\r\n'
        f"{json.dumps(meta)}\r\n"
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="file"; filename="big.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    return f"multipart/form-data; boundary={boundary}", head, tail


async def _keys(store: ObjectStore, prefixes: list[str]) -> set[str]:
    def listing() -> set[str]:
        found: set[str] = set()
        for prefix in prefixes:
            pages = store.client.get_paginator("list_objects_v2").paginate(
                Bucket=store.bucket, Prefix=prefix
            )
            for page in pages:
                found.update(item["Key"] for item in page.get("Contents", []))
        return found

    return await anyio.to_thread.run_sync(listing)


async def test_api_killed_mid_upload(
    fault_stack: FaultStack,
    fault_api: httpx.AsyncClient,
    fault_world: World,
    fault_engine: AsyncEngine,
) -> None:
    w = fault_world
    admin = w.headers(w.a.users[R.ADMIN])
    site = str(w.a.site.id)
    store = ObjectStore(fault_stack.settings.s3)
    big = large_photo()
    streaming = {"id": str(uuid.uuid4()), "site_id": site}
    stuck = {"id": str(uuid.uuid4()), "site_id": site}
    sent = 0
    halfway = anyio.Event()
    resume = anyio.Event()
    errors: dict[str, str] = {}

    content_type, head, tail = multipart(streaming, big)

    async def slow_body() -> AsyncIterator[bytes]:
        """Half the photo, then a pause (a phone losing signal) that lasts until the API
        has been killed, then the rest: the kill always lands mid-body, however slowly
        the other upload reaches its parking place on a busy machine."""
        nonlocal sent
        yield head
        for start in range(0, len(big), CHUNK):
            if sent >= len(big) // 2 and not halfway.is_set():
                halfway.set()
                await resume.wait()
            yield big[start : start + CHUNK]
            sent += CHUNK
            await anyio.sleep(0.01)
        yield tail

    async def stream_upload() -> None:
        try:
            response = await fault_api.post(
                "/api/photos",
                content=slow_body(),
                headers={
                    **admin,
                    "Content-Type": content_type,
                    "Content-Length": str(len(head) + len(big) + len(tail)),
                },
                timeout=60,
            )
            errors["streaming"] = f"answered {response.status_code}"
        except httpx.TransportError as exc:
            errors["streaming"] = type(exc).__name__

    async def stuck_upload() -> None:
        try:
            response = await fault_api.post(
                "/api/photos",
                files={"file": ("p.jpg", site_photo(7), "image/jpeg")},
                data={"meta": json.dumps(stuck)},
                headers=admin,
                timeout=60,
            )
            errors["stuck"] = f"answered {response.status_code}"
        except httpx.TransportError as exc:
            errors["stuck"] = type(exc).__name__

    async def pending_keys() -> list[str]:
        async with fault_engine.connect() as conn:
            rows = await conn.execute(text("SELECT key FROM pending_objects ORDER BY key"))
            return list(rows.scalars().all())

    # Holding back inserts into photos parks the second upload between its S3 writes
    # and its row: the moment a crash leaves objects that nothing refers to.
    async with fault_engine.connect() as lock:
        await lock.execute(text("LOCK TABLE photos IN SHARE MODE"))
        async with anyio.create_task_group() as tg:
            tg.start_soon(stream_upload)
            tg.start_soon(stuck_upload)
            with anyio.fail_after(60):
                while True:
                    keys = await pending_keys()
                    if len(keys) == 2 and all([await store.exists(k) for k in keys]):
                        break
                    await anyio.sleep(0.05)
                await halfway.wait()
            await anyio.to_thread.run_sync(fault_stack.kill_api)
            resume.set()
        await lock.rollback()
    orphans = set(keys)

    # Both clients lost their connection; neither got an answer.
    assert set(errors) == {"streaming", "stuck"}
    assert not any(e.startswith("answered") for e in errors.values()), errors

    await anyio.to_thread.run_sync(fault_stack.start_api)
    # The phone resends the same photo with the same id, now at full speed.
    resent = await fault_api.post(
        "/api/photos",
        files={"file": ("big.jpg", big, "image/jpeg")},
        data={"meta": json.dumps(streaming)},
        headers=admin,
        timeout=60,
    )
    assert resent.status_code == 201, resent.text
    again = await fault_api.post(
        "/api/photos",
        files={"file": ("big.jpg", big, "image/jpeg")},
        data={"meta": json.dumps(streaming)},
        headers=admin,
        timeout=60,
    )
    assert again.status_code == 200, again.text

    async with fault_engine.connect() as conn:
        photos = (await conn.execute(text("SELECT id::text, key, thumb_key FROM photos"))).all()
    assert [p.id for p in photos] == [streaming["id"]]
    referenced = {photos[0].key, photos[0].thumb_key}
    # The resend cleared its own marks; the abandoned upload's objects wait for the sweeper.
    assert set(await pending_keys()) == orphans
    prefixes = [f"photos/{w.a.company.id}/", f"thumbs/{w.a.company.id}/"]
    assert await _keys(store, prefixes) == referenced | orphans

    runtime = JobRuntime.create(fault_stack.settings)
    set_job_runtime(runtime)
    try:
        # A short grace: in production an hour, so no upload still on its way is hit.
        deleted = await sweep_orphans_once(older_than=timedelta(seconds=0))
    finally:
        set_job_runtime(None)
        await runtime.engine.dispose()
    assert deleted == 2
    assert await pending_keys() == []
    # Each stored object is referenced by exactly one photo, and nothing else is left.
    assert await _keys(store, prefixes) == referenced
