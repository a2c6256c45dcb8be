"""Equipment ledger, material batches and scans.

The policy: admins and managers register, edit, plan, label and import; safety
officers inspect, close defects, upload certificates and export; foremen record
maintenance, see what is due and upload certificates; every tenant role sees the items
and batches of their sites, scans, reports defects, checks items out and in, and
receives deliveries at the gate. The superadmin sees no tenant data.
"""

from __future__ import annotations

import io
from typing import Any

import httpx
from PIL import Image

from tests.authz.case import TENANT, Case, R, by_role
from tests.support.factories import World, unique

REGISTRARS = {R.ADMIN, R.MANAGER}
PLANNERS = {R.ADMIN, R.MANAGER, R.SAFETY_OFFICER, R.FOREMAN}
EXPORTERS = {R.ADMIN, R.MANAGER, R.SAFETY_OFFICER}
CERTIFIERS = PLANNERS
# One open defect per call of the close endpoint (each call closes one).
DEFECTS_PER_CASE = 8
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _status(roles: set[R], ok: int) -> dict[R, int]:
    return by_role(dict.fromkeys(roles, ok))


async def _make_items(api: httpx.AsyncClient, w: World) -> None:
    admin = w.headers(w.a.users[R.ADMIN])
    site = str(w.a.site.id)
    item = await api.post(
        "/api/equipment",
        json={"site_id": site, "name": "Tower crane", "category": "crane"},
        headers=admin,
    )
    assert item.status_code == 201, item.text
    batch = await api.post(
        "/api/materials/batches",
        json={
            "site_id": site,
            "material": "Rebar HRB400",
            "batch_no": unique("B-"),
            "supplier": "Shagang",
            "quantity": 20,
            "unit": "t",
        },
        headers=admin,
    )
    assert batch.status_code == 201, batch.text
    w.extra.update(equipment=item.json(), batch=batch.json())


async def _make_defects(api: httpx.AsyncClient, w: World) -> None:
    await _make_items(api, w)
    ids = []
    for _ in range(DEFECTS_PER_CASE):
        event = await api.post(
            f"/api/equipment/{w.extra['equipment']['id']}/events",
            json={"kind": "defect", "note": "Hook latch broken"},
            headers=w.headers(w.a.users[R.WORKER]),
        )
        assert event.status_code == 201, event.text
        ids.append(event.json()["id"])
    w.extra["defects"] = ids


def _eq(w: World) -> str:
    return f"/api/equipment/{w.extra['equipment']['id']}"


def _batch(w: World) -> str:
    return f"/api/materials/batches/{w.extra['batch']['id']}"


def _equipment_csv(w: World) -> dict[str, Any]:
    rows = f"name,category\n{unique('Drill ')},power tool\n"
    return {"file": ("equipment.csv", rows.encode(), "text/csv"), "site_id": str(w.a.site.id)}


def _batch_csv(w: World) -> dict[str, Any]:
    rows = f"material,batch_no,supplier,quantity,unit\nCement P.O 42.5,{unique('C-')},Conch,30,t\n"
    return {"file": ("batches.csv", rows.encode(), "text/csv"), "site_id": str(w.a.site.id)}


def _photo(w: World) -> dict[str, Any]:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 180, 160)).save(out, format="JPEG")
    return {"image": ("photo.jpg", out.getvalue(), "image/jpeg")}


CASES: list[Case] = [
    Case(
        "POST",
        "/api/equipment",
        _status(REGISTRARS, 201),
        lambda w: "/api/equipment",
        lambda w: {"site_id": str(w.a.site.id), "name": unique("Hoist "), "category": "hoist"},
    ),
    Case("GET", "/api/equipment", by_role(dict.fromkeys(TENANT, 200)), lambda w: "/api/equipment"),
    Case(
        "GET",
        "/api/equipment/due",
        _status(PLANNERS, 200),
        lambda w: f"/api/equipment/due?site_id={w.a.site.id}",
    ),
    Case(
        "GET",
        "/api/equipment/labels.html",
        _status(REGISTRARS, 200),
        lambda w: f"/api/equipment/labels.html?site_id={w.a.site.id}",
        setup=_make_items,
    ),
    Case(
        "GET",
        "/api/equipment/export.xlsx",
        _status(EXPORTERS, 200),
        lambda w: "/api/equipment/export.xlsx",
        setup=_make_items,
    ),
    Case(
        "POST",
        "/api/equipment/import",
        _status(REGISTRARS, 200),
        lambda w: "/api/equipment/import",
        files=_equipment_csv,
    ),
    Case(
        "GET",
        "/api/equipment/{equipment_id:uuid}",
        by_role(dict.fromkeys(TENANT, 200)),
        _eq,
        scoped_object=True,
        setup=_make_items,
    ),
    Case(
        "PATCH",
        "/api/equipment/{equipment_id:uuid}",
        _status(REGISTRARS, 200),
        _eq,
        lambda w: {"name": unique("Crane ")},
        scoped_object=True,
        setup=_make_items,
    ),
    Case(
        "GET",
        "/api/equipment/{equipment_id:uuid}/label.svg",
        _status(REGISTRARS, 200),
        lambda w: f"{_eq(w)}/label.svg",
        scoped_object=True,
        setup=_make_items,
    ),
    Case(
        "GET",
        "/api/equipment/{equipment_id:uuid}/label.png",
        _status(REGISTRARS, 200),
        lambda w: f"{_eq(w)}/label.png",
        scoped_object=True,
        setup=_make_items,
    ),
    Case(
        "POST",
        "/api/equipment/{equipment_id:uuid}/events",
        by_role(dict.fromkeys(TENANT, 201)),
        lambda w: f"{_eq(w)}/events",
        lambda w: {"kind": "defect", "note": "Frayed sling"},
        scoped_object=True,
        setup=_make_items,
    ),
    Case(
        "GET",
        "/api/equipment/{equipment_id:uuid}/events",
        by_role(dict.fromkeys(TENANT, 200)),
        lambda w: f"{_eq(w)}/events",
        scoped_object=True,
        setup=_make_items,
    ),
    Case(
        "POST",
        "/api/equipment/{equipment_id:uuid}/events/{event_id:uuid}/close",
        _status(EXPORTERS, 200),
        lambda w: f"{_eq(w)}/events/{w.extra['defects'].pop()}/close",
        lambda w: {"note": "Latch replaced"},
        scoped_object=True,
        setup=_make_defects,
    ),
    Case(
        "POST",
        "/api/equipment/{equipment_id:uuid}/maintenance-plans",
        _status(REGISTRARS, 201),
        lambda w: f"{_eq(w)}/maintenance-plans",
        lambda w: {"title": "Wire rope inspection", "every_days": 30},
        scoped_object=True,
        setup=_make_items,
    ),
    Case(
        "GET",
        "/api/equipment/{equipment_id:uuid}/maintenance-plans",
        by_role(dict.fromkeys(TENANT, 200)),
        lambda w: f"{_eq(w)}/maintenance-plans",
        scoped_object=True,
        setup=_make_items,
    ),
    Case(
        "POST",
        "/api/materials/batches",
        _status(REGISTRARS, 201),
        lambda w: "/api/materials/batches",
        lambda w: {
            "site_id": str(w.a.site.id),
            "material": "Ready-mix C30",
            "batch_no": unique("RM-"),
            "supplier": "Jinyu",
            "quantity": 12.5,
            "unit": "m3",
        },
    ),
    Case(
        "GET",
        "/api/materials/batches",
        by_role(dict.fromkeys(TENANT, 200)),
        lambda w: "/api/materials/batches",
    ),
    Case(
        "GET",
        "/api/materials/batches/labels.html",
        _status(REGISTRARS, 200),
        lambda w: f"/api/materials/batches/labels.html?site_id={w.a.site.id}",
        setup=_make_items,
    ),
    Case(
        "POST",
        "/api/materials/batches/import",
        _status(REGISTRARS, 200),
        lambda w: "/api/materials/batches/import",
        files=_batch_csv,
    ),
    Case(
        "GET",
        "/api/materials/batches/{batch_id:uuid}",
        by_role(dict.fromkeys(TENANT, 200)),
        _batch,
        scoped_object=True,
        setup=_make_items,
    ),
    Case(
        "PUT",
        "/api/materials/batches/{batch_id:uuid}/certificate",
        _status(CERTIFIERS, 200),
        lambda w: f"{_batch(w)}/certificate",
        files=lambda w: {"file": ("mill.pdf", PDF, "application/pdf"), "expires_on": "2030-01-01"},
        scoped_object=True,
        setup=_make_items,
    ),
    Case(
        "POST",
        "/api/materials/batches/{batch_id:uuid}/receipts",
        by_role(dict.fromkeys(TENANT, 201)),
        lambda w: f"{_batch(w)}/receipts",
        lambda w: {"quantity": 5, "accepted": True},
        scoped_object=True,
        setup=_make_items,
    ),
    Case(
        "GET",
        "/api/materials/batches/{batch_id:uuid}/receipts",
        by_role(dict.fromkeys(TENANT, 200)),
        lambda w: f"{_batch(w)}/receipts",
        scoped_object=True,
        setup=_make_items,
    ),
    Case(
        "GET",
        "/api/materials/batches/{batch_id:uuid}/label.svg",
        _status(REGISTRARS, 200),
        lambda w: f"{_batch(w)}/label.svg",
        scoped_object=True,
        setup=_make_items,
    ),
    Case(
        "GET",
        "/api/materials/batches/{batch_id:uuid}/label.png",
        _status(REGISTRARS, 200),
        lambda w: f"{_batch(w)}/label.png",
        scoped_object=True,
        setup=_make_items,
    ),
    # Another company's code is a 404 `unknown_code` (not *_not_found): tested in
    # tests/integration/scan/test_scan.py.
    Case(
        "GET",
        "/api/scan/{code:path}",
        by_role(dict.fromkeys(TENANT, 200)),
        lambda w: f"/api/scan/{w.extra['equipment']['code']}",
        setup=_make_items,
    ),
    Case(
        "POST",
        "/api/scan/decode",
        by_role(dict.fromkeys(TENANT, 200)),
        lambda w: "/api/scan/decode",
        files=_photo,
    ),
]
