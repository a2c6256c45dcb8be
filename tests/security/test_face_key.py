"""Face templates need SITECHECK_FACE_KEY: a server started with another key (a restore
onto a host whose key was lost or rotated) refuses face work with a clear 503 code,
never a 500 and never a silent "no match" that would send every punch to review.

tests/integration/faces/test_faces.py proves the column holds AES-GCM ciphertext that another
key cannot open; this is the same failure as a live server shows it."""

from __future__ import annotations

import httpx

from api.db.models import Role
from tests.support.face_photos import face_bytes, selfie
from tests.support.factories import World
from tests.support.punching import meta, post_punch


async def _enrol(client: httpx.AsyncClient, world: World, image: bytes) -> httpx.Response:
    worker = world.a.users[Role.WORKER]
    return await client.put(
        f"/api/users/{worker.id}/face",
        headers=world.headers(worker),
        files={"image": ("selfie.jpg", image, "image/jpeg")},
        data={"consent": "true"},
    )


async def test_a_server_with_another_key_refuses_face_work_with_a_code(
    api: httpx.AsyncClient, hardened: httpx.AsyncClient, world: World
) -> None:
    # Enrolled through the session server (its key)...
    assert (await _enrol(api, world, face_bytes("obama"))).status_code == 200
    worker = world.headers(world.a.users[Role.WORKER])
    # ...then served by one whose key differs.
    punch = await post_punch(hardened, worker, meta(world.a.site), selfie("obama2"))
    again = await _enrol(hardened, world, face_bytes("obama2"))
    for response in (punch, again):
        assert response.status_code == 503, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["code"] == "face_templates_unreadable"
    # The key's owner still verifies the same worker: nothing was damaged by the refusal.
    ok = await post_punch(api, worker, meta(world.a.site), selfie("obama2"))
    assert ok.status_code == 201, ok.text
    assert ok.json()["checks"]["face"]["ok"] is True
