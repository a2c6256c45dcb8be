"""The equipment ledger: registration, custody, defects, maintenance and what is due."""

from __future__ import annotations

import asyncio
import io
import uuid
from datetime import timedelta

import httpx
import pytest
import zxingcpp
from openpyxl import load_workbook  # type: ignore[import-untyped]
from PIL import Image
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from api.db.models import AuditEntry
from api.domain.labels.qr import ALPHABET
from api.lib.dates import site_today
from tests.support.database import RolledBackDatabase
from tests.support.equipment import (
    R,
    create_item,
    event,
    headers,
    upload_photo,
)
from tests.support.factories import World

pytestmark = pytest.mark.in_process


def _today() -> str:
    return site_today("Asia/Shanghai").isoformat()


def _days(n: int) -> str:
    return (site_today("Asia/Shanghai") + timedelta(days=n)).isoformat()


async def test_register_gives_a_short_unguessable_code(
    api: httpx.AsyncClient, world: World, database: AsyncEngine | RolledBackDatabase
) -> None:
    item = await create_item(api, world, serial_no="QTZ80-0042", certificate_no="TJ-2026-17")
    assert len(item["code"]) == 10
    assert set(item["code"]) <= set(ALPHABET)
    assert item["code"] not in item["id"].upper()
    assert item["scan_url"].endswith(f"/s/{item['code']}")
    assert item["status"] == "available"
    assert item["holder"] is None
    assert item["certificate"] == {"number": "TJ-2026-17", "expires_on": None, "state": "valid"}
    async with database.connect() as conn:
        audited = await conn.scalar(
            select(AuditEntry.action).where(AuditEntry.entity_id == item["id"])
        )
    assert audited == "create"


async def test_create_is_idempotent_by_client_id(api: httpx.AsyncClient, world: World) -> None:
    body = {
        "id": str(uuid.uuid4()),
        "site_id": str(world.a.site.id),
        "name": "Hoist",
        "category": "hoist",
    }
    admin = headers(world, R.ADMIN)
    first = await api.post("/api/equipment", json=body, headers=admin)
    again = await api.post("/api/equipment", json=body, headers=admin)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    clash = await api.post("/api/equipment", json={**body, "name": "Other"}, headers=admin)
    assert clash.status_code == 409
    assert clash.json()["code"] == "id_conflict"


async def test_bad_registrations_get_stable_codes(api: httpx.AsyncClient, world: World) -> None:
    admin = headers(world, R.ADMIN)
    await create_item(api, world, serial_no="SN-1")
    cases = [
        ({"site_id": str(world.b.site.id), "name": "x", "category": "y"}, 404, "site_not_found"),
        ({"site_id": str(world.a.site.id), "name": "", "category": "y"}, 400, "validation_error"),
        (
            {"site_id": str(world.a.site.id), "name": "x\x00", "category": "y"},
            400,
            "validation_error",
        ),
        ({"site_id": "nope", "name": "x", "category": "y"}, 400, "validation_error"),
        (
            {"site_id": str(world.a.site.id), "name": "x", "category": "y", "serial_no": "SN-1"},
            409,
            "serial_taken",
        ),
    ]
    for body, status, code in cases:
        response = await api.post("/api/equipment", json=body, headers=admin)
        assert response.status_code == status, (body, response.text)
        assert response.json()["code"] == code
    # The same serial in another company is that company's own business.
    await create_item(api, world, tenant="b", serial_no="SN-1")


async def test_custody_flow(api: httpx.AsyncClient, world: World) -> None:
    item = await create_item(api, world)
    worker = world.a.users[R.WORKER]
    no_holder = await event(api, world, item, R.WORKER, kind="check_out")
    assert no_holder.status_code == 422
    assert no_holder.json()["code"] == "holder_required"
    not_out = await event(api, world, item, R.WORKER, kind="check_in")
    assert not_out.status_code == 409
    assert not_out.json()["code"] == "not_checked_out"

    out = await event(api, world, item, R.WORKER, kind="check_out", holder_id=str(worker.id))
    assert out.status_code == 201, out.text
    assert out.json()["holder_id"] == str(worker.id)
    shown = (
        await api.get(f"/api/equipment/{item['id']}", headers=headers(world, R.FOREMAN))
    ).json()
    assert shown["status"] == "checked_out"
    assert shown["holder"] == {"id": str(worker.id), "name": worker.name}
    twice = await event(api, world, item, R.FOREMAN, kind="check_out", holder_id=str(worker.id))
    assert twice.status_code == 409
    assert twice.json()["code"] == "already_checked_out"
    mine = await api.get(f"/api/equipment?holder_id={worker.id}", headers=headers(world, R.WORKER))
    assert [i["id"] for i in mine.json()["items"]] == [item["id"]]

    back = await event(api, world, item, R.FOREMAN, kind="check_in", note="Returned clean")
    assert back.status_code == 201
    # A check-in records who had it.
    assert back.json()["holder_id"] == str(worker.id)
    shown = (await api.get(f"/api/equipment/{item['id']}", headers=headers(world, R.WORKER))).json()
    assert (shown["status"], shown["holder"]) == ("available", None)


async def test_holder_must_be_someone_the_caller_may_hand_to(
    api: httpx.AsyncClient, world: World
) -> None:
    item = await create_item(api, world)
    # A worker checks items out to themselves; their foreman is not theirs to assign.
    foreman = world.a.users[R.FOREMAN]
    response = await event(api, world, item, R.WORKER, kind="check_out", holder_id=str(foreman.id))
    assert response.status_code == 404
    assert response.json()["code"] == "user_not_found"
    other = world.b.users[R.WORKER]
    response = await event(api, world, item, R.ADMIN, kind="check_out", holder_id=str(other.id))
    assert response.status_code == 404
    # The foreman hands it to a worker of the crew.
    worker = world.a.users[R.WORKER]
    response = await event(api, world, item, R.FOREMAN, kind="check_out", holder_id=str(worker.id))
    assert response.status_code == 201


@pytest.mark.live  # concurrent requests need connections of their own
async def test_concurrent_check_outs_hand_the_item_to_one_person(
    api: httpx.AsyncClient, world: World, database: AsyncEngine | RolledBackDatabase
) -> None:
    item = await create_item(api, world)
    worker = str(world.a.users[R.WORKER].id)
    # Hold the item's row while the check-outs arrive, so they all overlap for sure.
    async with database.connect() as conn:
        held = await conn.begin()
        await conn.execute(
            text("SELECT 1 FROM equipment WHERE id = :id FOR UPDATE"), {"id": item["id"]}
        )
        tasks = [
            asyncio.create_task(
                event(api, world, item, R.FOREMAN, kind="check_out", holder_id=worker)
            )
            for _ in range(6)
        ]
        await asyncio.sleep(1.0)
        await held.rollback()
        responses = await asyncio.gather(*tasks)
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201, 409, 409, 409, 409, 409]
    events = await api.get(f"/api/equipment/{item['id']}/events", headers=headers(world, R.ADMIN))
    assert events.json()["total"] == 1


async def test_event_replay_by_client_id(api: httpx.AsyncClient, world: World) -> None:
    item = await create_item(api, world)
    other = await create_item(api, world)
    worker = str(world.a.users[R.WORKER].id)
    body = {"id": str(uuid.uuid4()), "kind": "check_out", "holder_id": worker}
    first = await event(api, world, item, R.WORKER, **body)
    # Resent after a lost response: the check-out is not refused as "already out".
    again = await event(api, world, item, R.WORKER, **body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    elsewhere = await event(api, world, other, R.WORKER, **body)
    assert elsewhere.status_code == 409
    assert elsewhere.json()["code"] == "id_conflict"


async def test_a_defect_blocks_check_out_until_closed(api: httpx.AsyncClient, world: World) -> None:
    item = await create_item(api, world)
    worker = str(world.a.users[R.WORKER].id)
    empty = await event(api, world, item, R.WORKER, kind="defect")
    assert empty.status_code == 422
    assert empty.json()["code"] == "defect_undescribed"
    defect = await event(api, world, item, R.WORKER, kind="defect", note="Brake slips")
    assert defect.status_code == 201
    assert defect.json()["open"] is True
    shown = (await api.get(f"/api/equipment/{item['id']}", headers=headers(world, R.WORKER))).json()
    assert (shown["status"], shown["open_defects"]) == ("defective", 1)
    refused = await event(api, world, item, R.WORKER, kind="check_out", holder_id=worker)
    assert refused.status_code == 409
    assert refused.json()["code"] == "equipment_defective"

    close_url = f"/api/equipment/{item['id']}/events/{defect.json()['id']}/close"
    by_worker = await api.post(close_url, json={}, headers=headers(world, R.WORKER))
    assert by_worker.status_code == 403
    closed = await api.post(
        close_url, json={"note": "Brake pads replaced"}, headers=headers(world, R.SAFETY_OFFICER)
    )
    assert closed.status_code == 200, closed.text
    assert (closed.json()["open"], closed.json()["close_note"]) == (False, "Brake pads replaced")
    again = await api.post(close_url, json={}, headers=headers(world, R.SAFETY_OFFICER))
    assert again.status_code == 409
    assert again.json()["code"] == "defect_not_open"
    out = await event(api, world, item, R.WORKER, kind="check_out", holder_id=worker)
    assert out.status_code == 201


@pytest.mark.live  # a photo upload queues its jobs outside the transaction
async def test_defect_photos_are_linked_and_must_be_from_the_site(
    api: httpx.AsyncClient, world: World
) -> None:
    item = await create_item(api, world)
    photo = await upload_photo(api, world, R.WORKER, world.a.site.id)
    response = await event(
        api, world, item, R.WORKER, kind="defect", note="Cracked weld", photo_ids=[photo]
    )
    assert response.status_code == 201, response.text
    assert response.json()["photo_ids"] == [photo]
    listed = await api.get(f"/api/equipment/{item['id']}/events", headers=headers(world, R.ADMIN))
    assert listed.json()["items"][0]["photo_ids"] == [photo]
    foreign = await upload_photo(api, world, R.WORKER, world.b.site.id, tenant="b")
    response = await event(api, world, item, R.WORKER, kind="defect", note="x", photo_ids=[foreign])
    assert response.status_code == 404
    assert response.json()["code"] == "photo_not_found"


async def test_expired_inspection_certificate_blocks_check_out(
    api: httpx.AsyncClient, world: World
) -> None:
    item = await create_item(api, world, certificate_expires_on=_days(-1))
    assert item["certificate"]["state"] == "expired"
    worker = str(world.a.users[R.WORKER].id)
    refused = await event(api, world, item, R.WORKER, kind="check_out", holder_id=worker)
    assert refused.status_code == 409
    assert refused.json()["code"] == "certificate_expired"
    renewed = await api.patch(
        f"/api/equipment/{item['id']}",
        json={"certificate_expires_on": _days(365), "certificate_no": "TJ-2027-3"},
        headers=headers(world, R.MANAGER),
    )
    assert renewed.status_code == 200
    assert renewed.json()["certificate"]["state"] == "valid"
    assert (
        await event(api, world, item, R.WORKER, kind="check_out", holder_id=worker)
    ).status_code == 201


async def test_event_kinds_follow_roles(api: httpx.AsyncClient, world: World) -> None:
    item = await create_item(api, world)
    refused = await event(api, world, item, R.WORKER, kind="inspection", note="looks fine")
    assert refused.status_code == 403
    assert refused.json()["code"] == "event_kind_forbidden"
    assert (await event(api, world, item, R.WORKER, kind="maintenance")).status_code == 403
    assert (await event(api, world, item, R.FOREMAN, kind="inspection")).status_code == 403
    assert (await event(api, world, item, R.SAFETY_OFFICER, kind="inspection")).status_code == 201
    assert (await event(api, world, item, R.FOREMAN, kind="maintenance")).status_code == 201
    wrong = await event(
        api,
        world,
        item,
        R.ADMIN,
        kind="defect",
        note="x",
        holder_id=str(world.a.users[R.WORKER].id),
    )
    assert wrong.status_code == 422
    future = await event(
        api, world, item, R.WORKER, kind="defect", note="x", occurred_at="2099-01-01T00:00:00Z"
    )
    assert future.status_code == 422
    assert future.json()["code"] == "occurred_at_invalid"


async def test_maintenance_due_flow(api: httpx.AsyncClient, world: World) -> None:
    item = await create_item(api, world, name="Concrete pump")
    quiet = await create_item(api, world, name="Angle grinder")
    manager = headers(world, R.MANAGER)
    plan = await api.post(
        f"/api/equipment/{item['id']}/maintenance-plans",
        json={"title": "Hydraulic oil and filters", "every_days": 14, "next_due_on": _days(-3)},
        headers=manager,
    )
    assert plan.status_code == 201, plan.text
    later = await api.post(
        f"/api/equipment/{quiet['id']}/maintenance-plans",
        json={"title": "Disc check", "every_days": 30},
        headers=manager,
    )
    assert later.json()["next_due_on"] == _days(30)

    due = (
        await api.get(
            f"/api/equipment/due?site_id={world.a.site.id}", headers=headers(world, R.FOREMAN)
        )
    ).json()
    assert [(d["name"], d["kind"], d["status"], d["days_left"]) for d in due["items"]] == [
        ("Concrete pump", "maintenance", "overdue", -3)
    ]
    shown = (await api.get(f"/api/equipment/{item['id']}", headers=headers(world, R.WORKER))).json()
    assert shown["next_maintenance"]["overdue"] is True
    assert shown["next_maintenance"]["due_on"] == _days(-3)

    done = await event(
        api,
        world,
        item,
        R.FOREMAN,
        kind="maintenance",
        plan_id=plan.json()["id"],
        note="Oil changed",
    )
    assert done.status_code == 201, done.text
    plans = (
        await api.get(f"/api/equipment/{item['id']}/maintenance-plans", headers=manager)
    ).json()
    assert plans["items"][0]["next_due_on"] == _days(14)
    assert plans["items"][0]["last_done_at"] is not None
    due = (await api.get("/api/equipment/due", headers=headers(world, R.FOREMAN))).json()
    assert due["items"] == []
    wide = (
        await api.get("/api/equipment/due?within_days=30", headers=headers(world, R.FOREMAN))
    ).json()
    assert [(d["name"], d["status"]) for d in wide["items"]] == [
        ("Concrete pump", "due"),
        ("Angle grinder", "due"),
    ]
    unknown_plan = await event(
        api, world, item, R.FOREMAN, kind="maintenance", plan_id=str(uuid.uuid4())
    )
    assert unknown_plan.status_code == 404
    assert unknown_plan.json()["code"] == "plan_not_found"


async def test_due_list_has_expiring_certificates(api: httpx.AsyncClient, world: World) -> None:
    await create_item(api, world, name="Hoist", certificate_expires_on=_days(5))
    await create_item(api, world, name="Crane", certificate_expires_on=_days(-2))
    await create_item(api, world, name="Loader", certificate_expires_on=_days(200))
    due = (await api.get("/api/equipment/due", headers=headers(world, R.SAFETY_OFFICER))).json()
    assert [(d["name"], d["kind"], d["status"]) for d in due["items"]] == [
        ("Crane", "certificate", "expired"),
        ("Hoist", "certificate", "expiring"),
    ]
    # Company B sees none of it.
    other = (await api.get("/api/equipment/due", headers=headers(world, R.ADMIN, "b"))).json()
    assert other["items"] == []


async def test_retired_items_take_no_events(api: httpx.AsyncClient, world: World) -> None:
    item = await create_item(api, world)
    retired = await api.patch(
        f"/api/equipment/{item['id']}", json={"is_active": False}, headers=headers(world, R.ADMIN)
    )
    assert retired.json()["status"] == "retired"
    response = await event(api, world, item, R.WORKER, kind="defect", note="x")
    assert response.status_code == 409
    assert response.json()["code"] == "equipment_retired"


async def test_patch_moves_and_clears(api: httpx.AsyncClient, world: World) -> None:
    item = await create_item(api, world, model="QTZ80", owner="Hongda Rentals", rented=True)
    admin = headers(world, R.ADMIN)
    cleared = await api.patch(f"/api/equipment/{item['id']}", json={"model": None}, headers=admin)
    assert cleared.status_code == 200
    assert (cleared.json()["model"], cleared.json()["owner"]) == (None, "Hongda Rentals")
    foreign = await api.patch(
        f"/api/equipment/{item['id']}", json={"site_id": str(world.b.site.id)}, headers=admin
    )
    assert foreign.status_code == 404
    assert foreign.json()["code"] == "site_not_found"


async def test_labels_decode_to_the_item(api: httpx.AsyncClient, world: World) -> None:
    item = await create_item(api, world, name="Mobile crane 25t")
    admin = headers(world, R.ADMIN)
    svg = await api.get(f"/api/equipment/{item['id']}/label.svg", headers=admin)
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert "default-src 'none'" in svg.headers["content-security-policy"]
    assert "Mobile crane 25t" in svg.text
    assert f"{item['code'][:5]}-{item['code'][5:]}" in svg.text
    png = await api.get(f"/api/equipment/{item['id']}/label.png?scale=6", headers=admin)
    assert png.headers["content-type"] == "image/png"
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.content)))
    assert [b.text for b in found] == [item["scan_url"]]
    # Without SITECHECK_PUBLIC_URL the label points at the address the request came to.
    assert item["scan_url"] == f"{api.base_url}/s/{item['code']}".replace("//s/", "/s/")
    bad_scale = await api.get(f"/api/equipment/{item['id']}/label.png?scale=500", headers=admin)
    assert bad_scale.status_code == 400


async def test_label_sheet_prints_the_sites_items(api: httpx.AsyncClient, world: World) -> None:
    items = [await create_item(api, world, name=f"Scaffold tower <{i}>") for i in range(3)]
    await create_item(api, world, tenant="b")
    sheet = await api.get(
        f"/api/equipment/labels.html?site_id={world.a.site.id}", headers=headers(world, R.MANAGER)
    )
    assert sheet.status_code == 200
    assert sheet.headers["content-type"].startswith("text/html")
    assert "size: A4" in sheet.text
    assert sheet.text.count('<div class="label">') == 3
    assert "Scaffold tower &lt;1&gt;" in sheet.text
    chosen = await api.get(
        f"/api/equipment/labels.html?site_id={world.a.site.id}&ids={items[0]['id']}",
        headers=headers(world, R.MANAGER),
    )
    assert chosen.text.count('<div class="label">') == 1


async def test_export_xlsx(api: httpx.AsyncClient, world: World) -> None:
    await create_item(api, world, name='=HYPERLINK("http://evil")', serial_no="X1")
    await create_item(
        api, world, name="Excavator PC200", serial_no="X2", certificate_expires_on=_days(3)
    )
    await create_item(api, world, tenant="b", name="Not ours")
    response = await api.get("/api/equipment/export.xlsx", headers=headers(world, R.SAFETY_OFFICER))
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    assert header[:3] == ("code", "name", "category")
    names = [r[1] for r in rows[1:]]
    # Formula injection is defused; company B's item is not there.
    assert names == ['\'=HYPERLINK("http://evil")', "Excavator PC200"]
    assert rows[2][header.index("certificate_state")] == "expiring"
    assert (
        await api.get(
            f"/api/equipment/export.xlsx?site_id={world.b.site.id}", headers=headers(world, R.ADMIN)
        )
    ).status_code == 404


async def test_list_search_and_tenancy(
    api: httpx.AsyncClient, world: World, database: AsyncEngine | RolledBackDatabase
) -> None:
    crane = await create_item(api, world, name="Tower crane T1", serial_no="TC-001")
    await create_item(api, world, name="Generator", category="power")
    await create_item(api, world, tenant="b", name="Tower crane B")
    admin = headers(world, R.ADMIN)
    found = (await api.get("/api/equipment?q=tower", headers=admin)).json()
    assert [i["id"] for i in found["items"]] == [crane["id"]]
    by_code = (await api.get(f"/api/equipment?q={crane['code'].lower()}", headers=admin)).json()
    assert by_code["total"] == 1
    everything = (await api.get("/api/equipment?q=%25", headers=admin)).json()
    assert everything["total"] == 0  # a literal percent sign matches nothing
    # A worker of another crew's site does not see this site's items.
    async with database.begin() as conn:
        await conn.execute(
            text("UPDATE users SET crew_id = NULL WHERE id = :id"),
            {"id": world.a.users[R.WORKER].id},
        )
    hidden = await api.get(f"/api/equipment/{crane['id']}", headers=headers(world, R.WORKER))
    assert hidden.status_code == 404
    assert hidden.json()["code"] == "equipment_not_found"
