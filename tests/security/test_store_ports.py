"""The embedded store (`make run`, the test suite) serves objects over signed S3 only.

`weed mini` also serves its master, volume, filer and admin components, each on an HTTP
port and a gRPC port (HTTP port + 10000), all on 127.0.0.1 where any local user can reach
them. Each is tried here the way such a user would, with what they could learn (the bucket
and key, and even the object's file id, read here through weed's own trusted shell): none
may list, read, write or delete an object, or hand out a token that would. Signed S3 works
before and after, and the object is unchanged.
"""

from __future__ import annotations

import dataclasses
import json
import re
import socket
import ssl
import subprocess
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.config import Settings
from infra.local.embedded import EmbeddedStack, _find_weed
from storage.s3 import ObjectStore

GRPC_OFFSET = 10000
SECRET = b"another company's selfie " + uuid.uuid4().bytes
FORGED = b"forged " + uuid.uuid4().bytes


@dataclasses.dataclass(frozen=True)
class Target:
    store: ObjectStore
    bucket: str
    key: str
    fid: str
    ports: dict[str, int]
    root: Path


@pytest.fixture
async def target(embedded_stack: EmbeddedStack | None, settings: Settings) -> AsyncIterator[Target]:
    if embedded_stack is None:
        pytest.skip("the suite runs against an external store")
    bucket = f"ports-{uuid.uuid4().hex[:12]}"
    store = ObjectStore(dataclasses.replace(settings.s3, bucket=bucket))
    await store.ensure_bucket()
    key = f"company-a/selfies/{uuid.uuid4()}.jpg"
    await store.put_bytes(key, SECRET, "image/jpeg")
    s3 = embedded_stack.s3
    ports = json.loads(s3.ports_file.read_text())
    yield Target(store, bucket, key, _file_id(s3.root, ports, bucket, key), ports, s3.root)
    await store.delete(key)
    store.client.delete_bucket(Bucket=bucket)


def _file_id(root: Path, ports: dict[str, int], bucket: str, key: str) -> str:
    """The object's volume file id, as weed's own shell sees it: run in the store's folder it
    reads the store's security.toml, the way only the store's owner can."""
    shell = subprocess.run(
        [
            str(_find_weed()),
            "shell",
            f"-master=127.0.0.1:{ports['master']}",
            f"-filer=127.0.0.1:{ports['filer']}",
        ],
        input=f"fs.meta.cat /buckets/{bucket}/{key}\n",
        capture_output=True,
        text=True,
        cwd=root,
        timeout=60,
        check=False,
    )
    match = re.search(r'"fileId":\s*"(\d+,[0-9a-f]+)"', shell.stdout)
    assert match is not None, shell.stdout + shell.stderr
    return match.group(1)


def _http_attempts(t: Target) -> list[tuple[str, str, str, dict[str, Any]]]:
    """(what, method, url, request options) for every HTTP port but S3's: reads first,
    then writes, then deletes, so each finds the object still there."""
    master = f"http://127.0.0.1:{t.ports['master']}"
    volume = f"http://127.0.0.1:{t.ports['volume']}"
    filer = f"http://127.0.0.1:{t.ports['filer']}"
    admin = f"http://127.0.0.1:{t.ports['admin']}"
    webdav = f"http://127.0.0.1:{t.ports['webdav']}"
    vid = t.fid.split(",", 1)[0]
    obj = f"/buckets/{t.bucket}/{t.key}"
    json_accept: dict[str, Any] = {"headers": {"Accept": "application/json"}}
    upload: dict[str, Any] = {"files": {"file": ("x.jpg", FORGED, "image/jpeg")}}
    return [
        ("master: a write token", "GET", f"{master}/dir/assign", {}),
        ("master: a token for the object", "GET", f"{master}/dir/lookup?fileId={t.fid}", {}),
        ("master: where the volume is", "GET", f"{master}/dir/lookup?volumeId={vid}", {}),
        ("master: the topology API", "GET", f"{master}/dir/status", {}),
        ("master: redirect to the object", "GET", f"{master}/{t.fid}", {}),
        ("master: grow volumes", "GET", f"{master}/vol/grow?count=1", {}),
        ("filer: list the bucket", "GET", f"{filer}/buckets/{t.bucket}/", json_accept),
        ("filer: list every bucket", "GET", f"{filer}/buckets/", json_accept),
        ("filer: the object's chunks", "GET", f"{filer}{obj}?metadata=true", json_accept),
        ("filer: read the object", "GET", f"{filer}{obj}", {}),
        ("filer: overwrite the object", "POST", f"{filer}{obj}", upload),
        ("filer: delete the object", "DELETE", f"{filer}{obj}", {}),
        ("volume: read the object", "GET", f"{volume}/{t.fid}", {}),
        ("volume: read it by path", "GET", f"{volume}/{vid}/{t.fid.split(',')[1]}/x.jpg", {}),
        ("volume: overwrite the object", "POST", f"{volume}/{t.fid}", upload),
        ("volume: delete the object", "DELETE", f"{volume}/{t.fid}", {}),
        ("admin: its API", "GET", f"{admin}/api/s3/buckets", {}),
        ("webdav: the file tree", "PROPFIND", f"{webdav}/buckets/", {}),
        # Last: had it worked, nothing above would have found the object.
        (
            "master: delete the bucket's data",
            "GET",
            f"{master}/col/delete?collection={t.bucket}",
            {},
        ),
    ]


async def test_only_signed_s3_reaches_objects(target: Target) -> None:
    assert await target.store.get_bytes(target.key) == SECRET
    let_through = []
    async with httpx.AsyncClient(timeout=5, follow_redirects=False) as anyone:
        for what, method, url, options in _http_attempts(target):
            try:
                answer = await anyone.request(method, url, **options)
            except httpx.TransportError:
                continue  # nothing listens: refused
            # 401/403 (no token), 404 (the API is switched off), 405: refused. A redirect
            # would point at the object, a 2xx is the API answering.
            if answer.status_code < 400 or SECRET in answer.content:
                let_through.append(f"{what}: {method} {url} -> {answer.status_code}")
    assert let_through == [], "\n".join(let_through)

    # Every gRPC port wants the store's own client certificate, with or without TLS.
    for name in ("master", "volume", "filer", "s3", "admin"):
        port = target.ports[name] + GRPC_OFFSET
        assert not _h2_answers(port), f"{name} gRPC {port} answers plaintext"
        assert not _h2_answers(port, _tls(None)), f"{name} gRPC {port} answers without a cert"
        # The same probe with the store's certificate gets through: it would see an open port.
        assert _h2_answers(port, _tls(target.root / "tls")), f"{name} gRPC {port} probe"

    # Nothing above changed the object; signed S3 still reads and lists it.
    assert await target.store.get_bytes(target.key) == SECRET
    listed = target.store.client.list_objects_v2(Bucket=target.bucket)
    assert [item["Key"] for item in listed.get("Contents", [])] == [target.key]


def _tls(folder: Path | None) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.set_alpn_protocols(["h2"])
    if folder is not None:
        context.load_cert_chain(folder / "store.crt", folder / "store.key")
    return context


def _h2_answers(port: int, tls: ssl.SSLContext | None = None) -> bool:
    """Whether a gRPC server answers an HTTP/2 preface with its SETTINGS frame (type 4)."""
    preface = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + b"\x00\x00\x00\x04\x00\x00\x00\x00\x00"
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=3) as raw:
            conn = tls.wrap_socket(raw, server_hostname="127.0.0.1") if tls else raw
            conn.sendall(preface)
            head = conn.recv(9)
    except OSError:  # ssl.SSLError included: the handshake or the first read was refused
        return False
    return len(head) == 9 and head[3] == 0x04
