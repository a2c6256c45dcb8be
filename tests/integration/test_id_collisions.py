"""A client `id` that another row already holds: 409 `id_conflict`, whoever owns the row.

A row created without a client id has no idempotency key, so a create naming its id
used to reach the table's primary key and fail there: a 500 that also told another
company the id exists. The answer must not depend on whose row it is: the owner's own
company sending other content with that id gets the very same body, and nothing of
the refused request is stored.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from api.db.models import Role
from tests.support import punching
from tests.support.equipment import create_batch, create_item, jpeg
from tests.support.factories import PASSWORD, Tenant, World, square, unique

R = Role


@dataclass(frozen=True)
class Create:
    """One create that takes a client id: where it is sent, what it sends, where it lands."""

    table: str
    path: Callable[[World, Tenant], str]
    body: Callable[[Tenant], dict[str, Any]]
    role: Role = R.ADMIN
    # Whether the id may be left out (the server then draws one and keeps no key).
    optional_id: bool = True
    # Sent as the `meta` part of a multipart upload beside this file, not as JSON.
    upload: tuple[str, Callable[[], bytes]] | None = None
    # Makes what the path names, for each company (stored in World.extra by company).
    setup: Callable[[httpx.AsyncClient, World], Awaitable[None]] | None = None


def _fixed(path: str) -> Callable[[World, Tenant], str]:
    return lambda w, t: path


def _nested(kind: str, template: str) -> Callable[[World, Tenant], str]:
    return lambda w, t: template.format(w.extra[f"{kind}:{t.company.id}"])


async def _items(api: httpx.AsyncClient, w: World) -> None:
    for tenant in ("a", "b"):
        item = await create_item(api, w, tenant)
        w.extra[f"equipment:{_tenant(w, tenant).company.id}"] = item["id"]


async def _batches(api: httpx.AsyncClient, w: World) -> None:
    for tenant in ("a", "b"):
        batch = await create_batch(api, w, tenant)
        w.extra[f"batch:{_tenant(w, tenant).company.id}"] = batch["id"]


def _tenant(w: World, name: str) -> Tenant:
    return w.a if name == "a" else w.b


_lon = iter(range(10_000))

CREATES: dict[str, Create] = {
    "site": Create(
        "sites",
        _fixed("/api/sites"),
        lambda t: {
            "name": unique("site "),
            "geofence": square(100 + next(_lon) * 0.01, 10.0),
            "timezone": "Asia/Shanghai",
        },
    ),
    "crew": Create(
        "crews",
        _fixed("/api/crews"),
        lambda t: {"site_id": str(t.site.id), "name": unique("crew ")},
    ),
    "user": Create(
        "users",
        _fixed("/api/users"),
        lambda t: {
            "name": "New worker",
            "role": "worker",
            "password": PASSWORD,
            "login": unique("new-"),
            "crew_id": str(t.crew.id),
        },
    ),
    "equipment": Create(
        "equipment",
        _fixed("/api/equipment"),
        lambda t: {"site_id": str(t.site.id), "name": unique("Crane "), "category": "crane"},
    ),
    "equipment event": Create(
        "equipment_events",
        _nested("equipment", "/api/equipment/{}/events"),
        lambda t: {"kind": "inspection", "note": unique("looked at ")},
        setup=_items,
    ),
    "maintenance plan": Create(
        "maintenance_plans",
        _nested("equipment", "/api/equipment/{}/maintenance-plans"),
        lambda t: {"title": unique("Service "), "every_days": 30},
        setup=_items,
    ),
    "material batch": Create(
        "material_batches",
        _fixed("/api/materials/batches"),
        lambda t: {
            "site_id": str(t.site.id),
            "material": "Rebar HRB400",
            "batch_no": unique("B-"),
            "supplier": "Shagang",
            "quantity": 20,
            "unit": "t",
        },
    ),
    "batch receipt": Create(
        "material_receipts",
        _nested("batch", "/api/materials/batches/{}/receipts"),
        lambda t: {"quantity": 1, "accepted": True, "note": unique("gate ")},
        setup=_batches,
    ),
    "webhook": Create(
        "webhooks",
        _fixed("/api/webhooks"),
        lambda t: {
            "url": f"https://hooks.example.com/{unique('h')}",
            "kinds": ["attendance.absent"],
        },
    ),
    "inspection": Create(
        "inspections",
        _fixed("/api/inspections"),
        lambda t: {"site_id": str(t.site.id), "title": unique("Walk ")},
        optional_id=False,
    ),
    "photo": Create(
        "photos",
        _fixed("/api/photos"),
        lambda t: {"site_id": str(t.site.id)},
        optional_id=False,
        upload=("file", lambda: jpeg(color=(next(_lon) % 256, 120, 150))),
    ),
    "punch": Create(
        "punches",
        _fixed("/api/attendance/punches"),
        lambda t: {k: v for k, v in punching.meta(t.site).items() if k != "id"},
        role=R.WORKER,
        optional_id=False,
        upload=("selfie", lambda: punching.TINY_JPEG),
    ),
}


async def _send(
    api: httpx.AsyncClient, w: World, create: Create, t: Tenant, ident: uuid.UUID | None
) -> httpx.Response:
    body = create.body(t)
    if ident is not None:
        body["id"] = str(ident)
    elif not create.optional_id:
        body["id"] = str(uuid.uuid4())
    headers = w.headers(t.users[create.role])
    path = create.path(w, t)
    if create.upload is None:
        return await api.post(path, json=body, headers=headers)
    part, content = create.upload
    return await api.post(
        path,
        files={part: ("upload.jpg", content(), "image/jpeg")},
        data={"meta": json.dumps(body)},
        headers={**headers, "X-Device-Id": str(body.get("device_id", ""))},
    )


async def _owners(engine: AsyncEngine, table: str, ident: uuid.UUID) -> list[uuid.UUID]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text(f"SELECT company_id FROM {table} WHERE id = :i"), {"i": ident}
        )
        return [row[0] for row in rows]


@pytest.mark.parametrize("kind", list(CREATES))
async def test_an_id_another_row_holds_is_the_same_409_whoever_owns_it(
    api: httpx.AsyncClient, world: World, engine: AsyncEngine, kind: str
) -> None:
    create = CREATES[kind]
    if create.setup is not None:
        await create.setup(api, world)
    # Company B's row, made without a client id where the create allows it.
    made = await _send(api, world, create, world.b, None)
    assert made.status_code == 201, made.text
    taken = uuid.UUID(made.json()["id"])

    foreign = await _send(api, world, create, world.a, taken)
    own = await _send(api, world, create, world.b, taken)

    for response in (foreign, own):
        assert response.status_code == 409, (kind, response.text)
        assert response.json()["code"] == "id_conflict", (kind, response.text)
    # Nothing tells company A whose id it is: the owner's own answer, word for word
    # (`instance` is the path each sent to, naming their own parent object).
    assert {**foreign.json(), "instance": None} == {**own.json(), "instance": None}
    assert foreign.json()["instance"] == create.path(world, world.a)
    # Nothing of either refused request was stored.
    assert await _owners(engine, create.table, taken) == [world.b.company.id]


async def test_an_id_held_by_another_kind_of_row_is_the_same_409(
    api: httpx.AsyncClient, world: World
) -> None:
    # Client ids share one key space: company B's site id sent as company A's crew id.
    site = await _send(api, world, CREATES["site"], world.b, uuid.uuid4())
    assert site.status_code == 201, site.text
    taken = uuid.UUID(site.json()["id"])
    crew = await _send(api, world, CREATES["crew"], world.a, taken)
    own = await _send(api, world, CREATES["site"], world.b, taken)
    assert crew.status_code == own.status_code == 409, crew.text
    assert {**crew.json(), "instance": None} == {**own.json(), "instance": None}
