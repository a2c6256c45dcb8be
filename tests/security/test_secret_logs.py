"""Nothing secret reaches the log: a whole flow (a failed and a good login, face
enrolment, a punch with a selfie, a photo upload and its presigned link) runs against
a server at the production log level, and its log is searched for every secret and
every piece of personal data that flowed through it."""

from __future__ import annotations

import base64
import json
import re
import uuid
from urllib.parse import parse_qs, urlsplit

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from api.db.models import FaceTemplate, Role
from tests.security.conftest import Hardened
from tests.support.face_photos import face_bytes, selfie
from tests.support.factories import PASSWORD, World
from tests.support.punching import meta, post_punch

WRONG_PASSWORD = "Wr0ng-but-close-" + uuid.uuid4().hex[:8]


def _forms(secret: bytes) -> list[str]:
    """The ways a byte string could show up in a text log."""
    return [
        secret.hex(),
        base64.b64encode(secret).decode(),
        base64.urlsafe_b64encode(secret).decode().rstrip("="),
        secret.decode("latin-1"),
        repr(secret)[2:-1],
    ]


async def test_a_full_flow_logs_no_secret(
    hardened: httpx.AsyncClient,
    hardened_server: Hardened,
    world: World,
    engine: AsyncEngine,
) -> None:
    worker = world.a.users[Role.WORKER]
    log_start = hardened_server.log.stat().st_size

    bad = await hardened.post(
        "/api/auth/login", json={"login": worker.login, "password": WRONG_PASSWORD}
    )
    assert bad.status_code == 401
    good = await hardened.post(
        "/api/auth/login", json={"login": worker.login, "password": PASSWORD}
    )
    assert good.status_code == 200
    token = good.json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    sample = face_bytes("obama")
    enrolled = await hardened.put(
        f"/api/users/{worker.id}/face",
        headers=auth,
        files={"image": ("me.jpg", sample, "image/jpeg")},
        data={"consent": "true"},
    )
    assert enrolled.status_code == 200, enrolled.text
    shot = selfie("obama2")
    punch = await post_punch(hardened, auth, meta(world.a.site), shot)
    assert punch.status_code == 201, punch.text
    photo = await hardened.post(
        "/api/photos",
        headers=auth,
        files={"file": ("site.jpg", shot, "image/jpeg")},
        data={"meta": json.dumps({"id": str(uuid.uuid4()), "site_id": str(world.a.site.id)})},
    )
    assert photo.status_code == 201, photo.text
    signature = parse_qs(urlsplit(photo.json()["url"]).query)["X-Amz-Signature"][0]
    assert (await hardened.get("/api/me", headers=auth)).status_code == 200

    async with engine.connect() as conn:
        sealed = (await conn.execute(select(FaceTemplate.template))).scalars().all()
    assert sealed

    log = hardened_server.log.read_bytes()[log_start:].decode("utf-8", "replace")
    # The control: the flow was logged, one access line per request with its id.
    lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    access = [e for e in lines if e.get("logger") == "sitecheck.access"]
    assert len(access) >= 6, log[-2000:]
    assert all(e.get("request_id") for e in access)

    env = hardened_server.env
    database_password = urlsplit(env["DATABASE_URL"]).password or ""
    secrets_in_play = {
        "password": PASSWORD,
        "wrong password": WRONG_PASSWORD,
        "token": token,
        "token signature": token.rsplit(".", 1)[1],
        "JWT secret": env["SITECHECK_JWT_SECRET"],
        "face key (hex)": env["SITECHECK_FACE_KEY"],
        "face key (base64)": base64.b64encode(bytes.fromhex(env["SITECHECK_FACE_KEY"])).decode(),
        "S3 secret": env["S3_SECRET_ACCESS_KEY"],
        "database password": database_password,
        "presigned signature": signature,
    }
    for name, value in secrets_in_play.items():
        assert len(value) >= 8, name  # a short value would match by chance
        assert value not in log, f"{name} is in the log"
    # Photos and templates: any 48-byte slice from the middle, in any printable form.
    for name, blob in [("face sample", sample), ("selfie", shot)] + [
        (f"template {i}", t) for i, t in enumerate(sealed)
    ]:
        middle = blob[len(blob) // 2 : len(blob) // 2 + 48]
        for form in _forms(middle):
            assert form not in log, f"{name} bytes are in the log"
    # A face encoding printed as numbers would be a run of 128 floats.
    assert not re.search(r"(-?\d\.\d{4,}[,\s]+){32}", log), "a float vector is in the log"
