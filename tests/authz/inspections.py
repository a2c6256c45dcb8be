"""Inspections, photos, hazards and rectifications."""

from __future__ import annotations

import json
import uuid
from functools import cache
from typing import Any

import httpx
from PIL import Image

from tests.authz.case import TENANT, Case, R, by_role
from tests.factories import World
from tests.images import encode

# Every tenant role may inspect and photograph on the sites it sees; workers see only
# the inspections they made, so the objects below are the worker's own.
ANY_TENANT = by_role({r: 201 for r in TENANT})


@cache
def small_jpeg() -> bytes:
    return encode(Image.new("RGB", (64, 48), (90, 120, 150)), "JPEG", quality=80)


def photo_parts(site_id: uuid.UUID | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"id": str(uuid.uuid4()), "captured_at": "2026-11-21T08:00:00+08:00"}
    if site_id is not None:
        meta["site_id"] = str(site_id)
    return {"file": ("p.jpg", small_jpeg(), "image/jpeg"), "meta": json.dumps(meta)}


async def worker_inspection(api: httpx.AsyncClient, w: World) -> None:
    worker = w.a.users[R.WORKER]
    response = await api.post(
        "/api/inspections",
        json={"id": str(uuid.uuid4()), "site_id": str(w.a.site.id), "title": "Scaffold check"},
        headers=w.headers(worker),
    )
    assert response.status_code == 201, response.text
    w.extra["inspection_id"] = response.json()["id"]


async def worker_photo(api: httpx.AsyncClient, w: World) -> None:
    await worker_inspection(api, w)
    parts = photo_parts()
    response = await api.post(
        f"/api/inspections/{w.extra['inspection_id']}/photos",
        files={"file": parts["file"]},
        data={"meta": parts["meta"]},
        headers=w.headers(w.a.users[R.WORKER]),
    )
    assert response.status_code == 201, response.text
    w.extra["photo_id"] = response.json()["id"]


CASES: list[Case] = [
    Case(
        "POST",
        "/api/inspections",
        ANY_TENANT,
        lambda w: "/api/inspections",
        lambda w: {"id": str(uuid.uuid4()), "site_id": str(w.a.site.id), "title": "Daily walk"},
    ),
    Case(
        "GET", "/api/inspections", by_role({r: 200 for r in TENANT}), lambda w: "/api/inspections"
    ),
    Case(
        "GET",
        "/api/inspections/{inspection_id:uuid}",
        by_role({r: 200 for r in TENANT}),
        lambda w: f"/api/inspections/{w.extra['inspection_id']}",
        scoped_object=True,
        setup=worker_inspection,
    ),
    Case(
        "POST",
        "/api/inspections/{inspection_id:uuid}/photos",
        ANY_TENANT,
        lambda w: f"/api/inspections/{w.extra['inspection_id']}/photos",
        files=lambda w: photo_parts(),
        scoped_object=True,
        setup=worker_inspection,
    ),
    Case(
        "POST",
        "/api/photos",
        ANY_TENANT,
        lambda w: "/api/photos",
        files=lambda w: photo_parts(w.a.site.id),
    ),
    Case(
        "GET",
        "/api/photos/{photo_id:uuid}",
        by_role({r: 200 for r in TENANT}),
        lambda w: f"/api/photos/{w.extra['photo_id']}",
        scoped_object=True,
        setup=worker_photo,
    ),
    Case(
        "GET",
        "/api/photos/{photo_id:uuid}/file",
        by_role({r: 307 for r in TENANT}),
        lambda w: f"/api/photos/{w.extra['photo_id']}/file?variant=thumb",
        scoped_object=True,
        setup=worker_photo,
    ),
]
