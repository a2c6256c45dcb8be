"""/health against real and broken services; the object store stays private."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid

import httpx
from litestar.testing import AsyncTestClient

from api.app import create_app
from api.config import Settings
from infra.local.processes import free_port
from storage.s3 import ObjectStore


async def test_health_ok_with_real_services(api: httpx.AsyncClient) -> None:
    response = await api.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "db": "ok", "storage": "ok"}
    assert response.headers["x-request-id"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"


async def test_health_names_the_part_that_is_down(settings: Settings, migrated: str) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    broken_s3 = dataclasses.replace(
        settings, s3=dataclasses.replace(settings.s3, endpoint_url=dead)
    )
    async with AsyncTestClient(create_app(broken_s3)) as client:
        response = await client.get("/health")
    assert response.status_code == 503
    assert response.json() == {"status": "degraded", "db": "ok", "storage": "down"}

    broken_db = dataclasses.replace(
        settings,
        db=dataclasses.replace(
            settings.db, url=f"postgresql+asyncpg://nobody:x@127.0.0.1:{free_port()}/none"
        ),
    )
    async with AsyncTestClient(create_app(broken_db)) as client:
        response = await client.get("/health")
    assert response.status_code == 503
    assert response.json()["db"] == "down"
    assert response.json()["storage"] == "ok"


async def test_objects_are_private_and_links_expire(settings: Settings, live_server: str) -> None:
    # live_server has created the bucket at start-up.
    store = ObjectStore(settings.s3)
    key = f"test/{uuid.uuid4()}.txt"
    await store.put_bytes(key, b"hello site", "text/plain")
    assert await store.get_bytes(key) == b"hello site"
    plain_url = f"{settings.s3.endpoint_url}/{settings.s3.bucket}/{key}"
    async with httpx.AsyncClient() as client:
        anonymous = await client.get(plain_url)
        assert anonymous.status_code in (401, 403), anonymous.text
        signed = await client.get(store.presigned_get_url(key, expires_s=60))
        assert signed.status_code == 200
        assert signed.content == b"hello site"
        short = store.presigned_get_url(key, expires_s=1)
        await asyncio.sleep(2.5)
        expired = await client.get(short)
        assert expired.status_code == 403
    await store.delete(key)
    assert not await store.exists(key)


async def test_refusals_carry_request_id_and_security_headers(api: httpx.AsyncClient) -> None:
    response = await api.get("/api/me", headers={"X-Request-Id": "probe-1"})
    assert response.status_code == 401
    assert response.headers["x-request-id"] == "probe-1"
    assert response.headers["x-content-type-options"] == "nosniff"
    # Refused by the router itself (no handler for the method): the id still comes back.
    for method, path in (("DELETE", "/health"), ("POST", "/no/such/page")):
        refused = await api.request(method, path, headers={"X-Request-Id": "probe-2"})
        assert refused.status_code in (404, 405), (method, path)
        assert refused.headers["x-request-id"] == "probe-2", (method, path)


async def test_replicas_starting_together_create_the_bucket_once(settings: Settings) -> None:
    # Every replica's start-up ensures the bucket; racing on a fresh one must not stop any.
    bucket = f"race-{uuid.uuid4().hex[:12]}"
    stores = [ObjectStore(dataclasses.replace(settings.s3, bucket=bucket)) for _ in range(8)]
    await asyncio.gather(*(store.ensure_bucket() for store in stores))
    await stores[0].ping()
    stores[0].client.delete_bucket(Bucket=bucket)


async def test_links_are_signed_for_the_public_endpoint(settings: Settings) -> None:
    # Phones reach the store under another name than the API does; the same server under
    # "localhost" stands in for that public name, and must accept the signature.
    assert settings.s3.endpoint_url is not None
    public = settings.s3.endpoint_url.replace("127.0.0.1", "localhost")
    assert public != settings.s3.endpoint_url
    store = ObjectStore(dataclasses.replace(settings.s3, public_endpoint_url=public))
    key = f"test/{uuid.uuid4()}.txt"
    await store.put_bytes(key, b"seen from outside", "text/plain")
    url = store.presigned_get_url(key, expires_s=60)
    assert url.startswith(f"{public}/")
    async with httpx.AsyncClient() as client:
        response = await client.get(url)
    assert response.status_code == 200
    assert response.content == b"seen from outside"
    await store.delete(key)
