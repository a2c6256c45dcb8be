"""Scanning: one round trip from a code (or label URL) to the item and what to do next;
codes read from a photo on the server."""

from __future__ import annotations

import io
from urllib.parse import quote

import httpx
from PIL import Image
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.equipment import (
    R,
    create_batch,
    create_item,
    event,
    headers,
    jpeg,
)
from tests.support.factories import World, square
from tests.unit.test_qr import photographed_label


async def _scan(api: httpx.AsyncClient, w: World, raw: str, role: R = R.WORKER) -> httpx.Response:
    return await api.get(f"/api/scan/{raw}", headers=headers(w, role))


async def test_scan_equipment_in_every_form(api: httpx.AsyncClient, world: World) -> None:
    item = await create_item(api, world, name="Concrete pump", serial_no="CP-7")
    code = item["code"]
    forms = [
        code,
        f"{code[:5]}-{code[5:]}".lower(),
        quote(item["scan_url"], safe=""),
        quote(f"https://sitecheck.example.cn/s/{code}?from=poster", safe=""),
    ]
    for raw in forms:
        response = await _scan(api, world, raw)
        assert response.status_code == 200, (raw, response.text)
        body = response.json()
        assert body["kind"] == "equipment"
        assert body["code"] == code
        assert body["item"]["id"] == item["id"]
        assert body["item"]["serial_no"] == "CP-7"
        assert body["item"]["status"] == "available"
        assert body["flags"] == []
        assert body["defects"] == []


async def test_scan_says_what_this_person_may_do(api: httpx.AsyncClient, world: World) -> None:
    item = await create_item(api, world)
    code = item["code"]
    actions = {
        role: (await _scan(api, world, code, role)).json()["actions"]
        for role in (R.WORKER, R.FOREMAN, R.SAFETY_OFFICER, R.ADMIN)
    }
    assert actions[R.WORKER] == ["check_out", "defect"]
    assert actions[R.FOREMAN] == ["check_out", "defect", "maintenance"]
    assert actions[R.SAFETY_OFFICER] == ["check_out", "defect", "inspection", "maintenance"]
    assert actions[R.ADMIN] == ["check_out", "defect", "inspection", "maintenance", "edit"]

    worker = world.a.users[R.WORKER]
    await event(api, world, item, R.WORKER, kind="check_out", holder_id=str(worker.id))
    await event(api, world, item, R.WORKER, kind="defect", note="Hose leaking")
    body = (await _scan(api, world, code, R.SAFETY_OFFICER)).json()
    assert body["item"]["status"] == "defective"
    assert body["item"]["holder"]["name"] == worker.name
    assert body["flags"] == ["open_defects"]
    assert [d["note"] for d in body["defects"]] == ["Hose leaking"]
    assert body["actions"] == ["check_in", "defect", "inspection", "maintenance", "close_defect"]


async def test_scan_flags_overdue_maintenance_and_certificates(
    api: httpx.AsyncClient, world: World
) -> None:
    item = await create_item(api, world, certificate_expires_on="2020-01-01")
    await api.post(
        f"/api/equipment/{item['id']}/maintenance-plans",
        json={"title": "Monthly service", "every_days": 30, "next_due_on": "2020-02-01"},
        headers=headers(world, R.ADMIN),
    )
    body = (await _scan(api, world, item["code"])).json()
    assert body["flags"] == ["certificate_expired", "maintenance_overdue"]
    assert body["item"]["next_maintenance"]["title"] == "Monthly service"
    # An expired inspection certificate means the item is not to be handed out.
    assert "check_out" not in body["actions"]


async def test_scan_batch(api: httpx.AsyncClient, world: World) -> None:
    batch = await create_batch(api, world)
    body = (await _scan(api, world, quote(batch["scan_url"], safe=""))).json()
    assert body["kind"] == "material_batch"
    assert body["item"]["batch_no"] == batch["batch_no"]
    assert body["flags"] == ["certificate_missing"]
    assert body["actions"] == ["receive"]
    foreman = (await _scan(api, world, batch["code"], R.FOREMAN)).json()
    assert foreman["actions"] == ["receive", "upload_certificate"]


async def test_unknown_and_foreign_codes_are_404_unknown_code(
    api: httpx.AsyncClient, world: World, engine: AsyncEngine
) -> None:
    theirs = await create_item(api, world, tenant="b")
    their_batch = await create_batch(api, world, tenant="b")
    ours = await create_item(api, world)
    for raw in [
        "0000000000",
        "tooshort",
        quote("https://example.com/not/ours", safe=""),
        theirs["code"],
        their_batch["code"],
        quote(theirs["scan_url"], safe=""),
    ]:
        for role in (R.ADMIN, R.WORKER):
            response = await _scan(api, world, raw, role)
            assert response.status_code == 404, (raw, response.text)
            assert response.json()["code"] == "unknown_code"
            assert response.headers["content-type"].startswith("application/problem+json")
    # The same code resolves for company B, whose item it is.
    mine = await api.get(f"/api/scan/{theirs['code']}", headers=headers(world, R.WORKER, "b"))
    assert mine.status_code == 200
    # A worker moved to a crew on another site cannot resolve it any more, at once (the
    # API's cache of who a token belongs to drops the worker when the move is saved).
    admin = headers(world, R.ADMIN)
    other = await api.post(
        "/api/sites",
        headers=admin,
        json={"name": "Far site", "geofence": square(117.0, 40.0), "timezone": "Asia/Shanghai"},
    )
    crew = await api.post(
        "/api/crews", headers=admin, json={"site_id": other.json()["id"], "name": "Far crew"}
    )
    moved = await api.patch(
        f"/api/users/{world.a.users[R.WORKER].id}",
        headers=admin,
        json={"crew_id": crew.json()["id"]},
    )
    assert moved.status_code == 200, moved.text
    hidden = await _scan(api, world, ours["code"], R.WORKER)
    assert (hidden.status_code, hidden.json()["code"]) == (404, "unknown_code")


async def _decode(api: httpx.AsyncClient, w: World, content: bytes) -> httpx.Response:
    return await api.post(
        "/api/scan/decode",
        files={"image": ("photo.jpg", content, "image/jpeg")},
        headers=headers(w, R.WORKER),
    )


async def test_decode_a_photographed_label(api: httpx.AsyncClient, world: World) -> None:
    item = await create_item(api, world, name="Hoist SC200")
    png = await api.get(f"/api/equipment/{item['id']}/label.png", headers=headers(world, R.ADMIN))
    photo = photographed_label(png.content, angle=24, scale=0.4)
    response = await _decode(api, world, photo)
    assert response.status_code == 200, response.text
    assert response.json() == {"codes": [item["code"]], "texts": [item["scan_url"]]}
    scanned = await _scan(api, world, response.json()["codes"][0])
    assert scanned.json()["item"]["id"] == item["id"]


async def test_decode_two_labels_and_none(api: httpx.AsyncClient, world: World) -> None:
    first, second = await create_item(api, world), await create_batch(api, world)
    admin = headers(world, R.ADMIN)
    labels = [
        Image.open(io.BytesIO((await api.get(url, headers=admin)).content))
        for url in (
            f"/api/equipment/{first['id']}/label.png?scale=5",
            f"/api/materials/batches/{second['id']}/label.png?scale=5",
        )
    ]
    sheet = Image.new("RGB", (900, 500), (200, 200, 200))
    sheet.paste(labels[0], (40, 60))
    sheet.paste(labels[1], (520, 120))
    out = io.BytesIO()
    sheet.save(out, format="PNG")
    response = await _decode(api, world, out.getvalue())
    assert sorted(response.json()["codes"]) == sorted([first["code"], second["code"]])
    nothing = await _decode(api, world, jpeg())
    assert nothing.json() == {"codes": [], "texts": []}


async def test_decode_refuses_what_is_not_a_photo(api: httpx.AsyncClient, world: World) -> None:
    response = await _decode(api, world, b"GIF89a not what we take")
    assert response.status_code == 422
    assert response.json()["code"] == "image_invalid"
    missing = await api.post(
        "/api/scan/decode",
        files={"file": ("photo.jpg", jpeg(), "image/jpeg")},
        headers=headers(world, R.WORKER),
    )
    assert missing.status_code == 400
    assert missing.json()["code"] == "validation_error"
