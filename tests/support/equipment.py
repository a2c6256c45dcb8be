"""Shared steps of the equipment, materials and scan tests (no tests of its own)."""

from __future__ import annotations

import io
import uuid
from typing import Any

import httpx
from PIL import Image

from api.db.models import Role
from tests.support.factories import World, unique

R = Role


def headers(w: World, role: Role, tenant: str = "a") -> dict[str, str]:
    t = w.a if tenant == "a" else w.b
    return w.headers(t.users[role])


async def create_item(
    api: httpx.AsyncClient, w: World, tenant: str = "a", **fields: Any
) -> dict[str, Any]:
    t = w.a if tenant == "a" else w.b
    body = {"site_id": str(t.site.id), "name": unique("Tower crane "), "category": "crane"}
    body.update(fields)
    response = await api.post("/api/equipment", json=body, headers=headers(w, R.ADMIN, tenant))
    assert response.status_code == 201, response.text
    item: dict[str, Any] = response.json()
    return item


async def create_batch(
    api: httpx.AsyncClient, w: World, tenant: str = "a", **fields: Any
) -> dict[str, Any]:
    t = w.a if tenant == "a" else w.b
    body = {
        "site_id": str(t.site.id),
        "material": "Rebar HRB400 ø16",
        "batch_no": unique("L2024-"),
        "supplier": "Shagang",
        "quantity": 24.5,
        "unit": "t",
    }
    body.update(fields)
    response = await api.post(
        "/api/materials/batches", json=body, headers=headers(w, R.ADMIN, tenant)
    )
    assert response.status_code == 201, response.text
    batch: dict[str, Any] = response.json()
    return batch


async def event(
    api: httpx.AsyncClient, w: World, item: dict[str, Any], role: Role, **body: Any
) -> httpx.Response:
    return await api.post(
        f"/api/equipment/{item['id']}/events", json=body, headers=headers(w, role)
    )


def jpeg(size: tuple[int, int] = (320, 240), color: tuple[int, int, int] = (90, 120, 150)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="JPEG", quality=85)
    return out.getvalue()


async def upload_photo(
    api: httpx.AsyncClient, w: World, role: Role, site_id: uuid.UUID, tenant: str = "a"
) -> str:
    meta = f'{{"id": "{uuid.uuid4()}", "site_id": "{site_id}"}}'
    response = await api.post(
        "/api/photos",
        files={"file": ("p.jpg", jpeg(), "image/jpeg")},
        data={"meta": meta},
        headers=headers(w, role, tenant),
    )
    assert response.status_code == 201, response.text
    photo_id: str = response.json()["id"]
    return photo_id
