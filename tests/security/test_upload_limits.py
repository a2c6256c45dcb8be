"""Oversized bodies are refused with 413 before they are read.

Each upload endpoint is sent headers that declare a body one MB over its cap and then
only 64 KB of it: the answer has to come back while the client is still "sending", so
the server cannot have waited for (or buffered) the rest. A body without a declared
length is counted while it streams, and the app-wide cap holds for JSON endpoints."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import anyio
import httpx
import pytest

from api.db.models import Role
from api.domain.attendance.punches import SELFIE_MAX_BYTES
from api.domain.labels.imports import MAX_IMPORT_BYTES
from api.domain.materials.certificates import MAX_CERTIFICATE_BYTES
from api.lib.uploads import MULTIPART_OVERHEAD
from tests.support.factories import World
from tests.support.punching import TINY_JPEG

MB = 1024 * 1024
APP_BODY_CAP = 30 * MB  # api/app.py request_max_body_size
# Long enough for a loaded CI machine, far shorter than reading 30+ MB that never comes.
ANSWER_WITHIN_S = 10.0


def _endpoints(world: World) -> list[tuple[str, str, int]]:
    """(method, path, the most bytes the endpoint takes)"""
    configured = world.settings.uploads.max_bytes
    admin = world.a.users[Role.ADMIN]
    some = uuid.uuid4()
    return [
        ("POST", "/api/attendance/punches", SELFIE_MAX_BYTES),
        ("PUT", f"/api/users/{admin.id}/face", configured),
        ("POST", f"/api/inspections/{some}/photos", configured),
        ("POST", "/api/photos", configured),
        ("POST", "/api/scan/decode", configured),
        ("POST", "/api/equipment/import", MAX_IMPORT_BYTES),
        ("POST", "/api/materials/batches/import", MAX_IMPORT_BYTES),
        ("PUT", f"/api/materials/batches/{some}/certificate", MAX_CERTIFICATE_BYTES),
    ]


async def _declare_and_stall(
    base_url: str, method: str, path: str, token: str, declared: int, content_type: str
) -> tuple[int, bytes, float]:
    """Send headers declaring `declared` bytes, then 64 KB of them, then wait for the
    answer without sending more. Returns (status, raw answer head, seconds)."""
    url = urlsplit(base_url)
    assert url.hostname is not None
    assert url.port is not None
    started = time.monotonic()
    async with await anyio.connect_tcp(url.hostname, url.port) as stream:
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: {url.netloc}\r\n"
            f"Authorization: Bearer {token}\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {declared}\r\nConnection: close\r\n\r\n"
        )
        await stream.send(head.encode())
        await stream.send(b"--b\r\n" + b"\0" * (64 * 1024))
        answer = b""
        with anyio.fail_after(ANSWER_WITHIN_S):
            while b"\r\n\r\n" not in answer:
                answer += await stream.receive()
    status = int(answer.split(b" ", 2)[1])
    return status, answer, time.monotonic() - started


async def test_every_upload_endpoint_refuses_a_declared_oversize_at_once(
    live_server: str, world: World
) -> None:
    token = world.tokens[world.a.users[Role.ADMIN].id]
    for method, path, cap in _endpoints(world):
        declared = cap + MULTIPART_OVERHEAD + MB
        status, answer, took = await _declare_and_stall(
            live_server, method, path, token, declared, "multipart/form-data; boundary=b"
        )
        assert status == 413, (path, answer[:300])
        assert b"application/problem+json" in answer, path
        assert took < ANSWER_WITHIN_S, (path, took)


async def test_a_json_body_over_the_app_cap_is_refused_at_once(
    live_server: str, world: World
) -> None:
    token = world.tokens[world.a.users[Role.ADMIN].id]
    for method, path in (("POST", "/api/sites"), ("POST", "/api/inspections")):
        status, answer, _ = await _declare_and_stall(
            live_server, method, path, token, APP_BODY_CAP + MB, "application/json"
        )
        assert status == 413, (path, answer[:300])


async def test_an_undeclared_length_is_counted_while_it_streams(
    api: httpx.AsyncClient, world: World
) -> None:
    """Chunked transfer (no Content-Length): the selfie route stops reading at its cap."""
    sent = 0

    async def body() -> AsyncIterator[bytes]:
        nonlocal sent
        yield b'--b\r\nContent-Disposition: form-data; name="selfie"; filename="a.jpg"\r\n\r\n'
        chunk = b"\xff" * (256 * 1024)
        while sent < 4 * (SELFIE_MAX_BYTES + MULTIPART_OVERHEAD):
            sent += len(chunk)
            yield chunk

    try:
        response = await api.post(
            "/api/attendance/punches",
            content=body(),
            headers={
                **world.headers(world.a.users[Role.WORKER]),
                "Content-Type": "multipart/form-data; boundary=b",
            },
        )
    except httpx.TransportError:
        # The server answered and closed mid-upload; what matters is how far it read.
        pytest.fail("no answer to an oversized chunked upload")
    assert response.status_code == 413
    assert response.json()["code"] == "file_too_large"


async def test_within_the_cap_is_not_refused_by_the_guard(
    api: httpx.AsyncClient, world: World
) -> None:
    """The control: a photo under the configured cap is taken (201), so the 413s above
    come from the size, not from the way the requests are built."""
    response = await api.post(
        "/api/photos",
        headers=world.headers(world.a.users[Role.WORKER]),
        files={"file": ("a.jpg", TINY_JPEG, "image/jpeg")},
        data={"meta": f'{{"id": "{uuid.uuid4()}", "site_id": "{world.a.site.id}"}}'},
    )
    assert response.status_code == 201, response.text


async def test_a_face_sample_over_the_cap_is_refused_without_a_declared_length(
    api: httpx.AsyncClient, world: World
) -> None:
    """Chunked, so the guard cannot see a length: the image part itself is held to the
    configured upload cap, like a photo, not to the route's ceiling."""
    cap = world.settings.uploads.max_bytes

    async def body() -> AsyncIterator[bytes]:
        yield b'--b\r\nContent-Disposition: form-data; name="consent"\r\n\r\ntrue\r\n'
        yield b'--b\r\nContent-Disposition: form-data; name="image"; filename="a.jpg"\r\n'
        yield b"Content-Type: image/jpeg\r\n\r\n"
        chunk = b"\xff" * MB
        for _ in range(cap // MB + 1):
            yield chunk
        yield b"\r\n--b--\r\n"

    admin = world.a.users[Role.ADMIN]
    worker = world.a.users[Role.WORKER]
    response = await api.put(
        f"/api/users/{worker.id}/face",
        content=body(),
        headers={**world.headers(admin), "Content-Type": "multipart/form-data; boundary=b"},
    )
    assert response.status_code == 413, response.text
    assert response.json()["code"] == "file_too_large"


async def _chunked_until_answered(
    base_url: str, path: str, token: str, first: bytes, whole: int
) -> tuple[int, int]:
    """Send a multipart body with Transfer-Encoding: chunked (no length), 1 MB at a
    time, looking for an answer between chunks; stop sending once it comes. Returns
    (status, bytes of the body sent by then)."""
    url = urlsplit(base_url)
    assert url.hostname is not None
    assert url.port is not None

    def chunk(data: bytes) -> bytes:
        return f"{len(data):x}\r\n".encode() + data + b"\r\n"

    sent = 0
    answer = b""
    async with await anyio.connect_tcp(url.hostname, url.port) as stream:
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {url.netloc}\r\n"
            f"Authorization: Bearer {token}\r\n"
            "Content-Type: multipart/form-data; boundary=b\r\n"
            "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        )
        await stream.send(head.encode() + chunk(first))
        sent = len(first)
        block = b"\xff" * MB
        while sent < whole:
            await stream.send(chunk(block))
            sent += len(block)
            with anyio.move_on_after(0.01):
                answer += await stream.receive()
            if answer:
                break
        else:
            await stream.send(chunk(b"\r\n--b--\r\n") + b"0\r\n\r\n")
        with anyio.fail_after(ANSWER_WITHIN_S):
            while b"\r\n\r\n" not in answer:
                answer += await stream.receive()
    return int(answer.split(b" ", 2)[1]), sent


async def test_an_undeclared_length_stops_at_the_configured_cap(
    live_server: str, world: World
) -> None:
    """Chunked photo upload (no Content-Length): the photo route's own ceiling is the
    largest cap a deployment may set (200 MB), yet the 413 comes while the body is
    still arriving, once it passes SITECHECK_MAX_UPLOAD_MB, not after all of it."""
    cap = world.settings.uploads.max_bytes
    meta = f'{{"id": "{uuid.uuid4()}", "site_id": "{world.a.site.id}"}}'
    first = (
        f'--b\r\nContent-Disposition: form-data; name="meta"\r\n\r\n{meta}\r\n'
        '--b\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\n\r\n'
    ).encode()
    token = world.tokens[world.a.users[Role.WORKER].id]
    status, sent = await _chunked_until_answered(live_server, "/api/photos", token, first, 3 * cap)
    assert status == 413
    # The cap, the room for the other parts, and what socket buffers held meanwhile.
    assert sent < cap + MULTIPART_OVERHEAD + 16 * MB, (sent // MB, cap // MB)
