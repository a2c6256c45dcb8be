"""Times and dates at the calendar's edges, in every input that takes one.

`0001-01-01T00:00:00+14:00` is in year 0 in UTC and `9999-12-31T23:59:59-14:00` in the
year 10000; the daily board of 9999-12-31 ends in the year 10000. Each was a 500 where
it was moved to UTC, into the site's zone or a day on. Every one is 422 `<field>_invalid`,
and a sane time in the same place still works.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from PIL import Image

from api.db.models import Role
from tests.authz.inspections import open_hazard, worker_inspection
from tests.support import punching
from tests.support.equipment import create_batch, create_item, headers, jpeg
from tests.support.factories import World, unique
from tests.support.images import encode, exif_block

R = Role

EDGE_INSTANTS = (
    "0001-01-01T00:00:00+14:00",
    "0001-01-01T00:00:00-14:00",
    "9999-12-31T23:59:59+14:00",
    "9999-12-31T23:59:59-14:00",
)
EDGE_DAYS = ("0001-01-01", "9999-12-31")
SANE_INSTANT = "2026-11-21T07:00:00+08:00"
SANE_DAY = "2026-11-21"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

Send = Callable[[httpx.AsyncClient, World, str], Awaitable[httpx.Response]]


def _now(delta: timedelta = timedelta()) -> str:
    return (datetime.now(UTC) + delta).isoformat()


@dataclass(frozen=True)
class TimeInput:
    """One place a time or date enters the API, and how to send a value there."""

    field: str  # as the error code names it: `<field>_invalid`
    edges: tuple[str, ...]
    sane: Callable[[], str]
    send: Send
    setup: Callable[[httpx.AsyncClient, World], Awaitable[None]] | None = None


def _query(path: str, name: str, **fixed: str) -> Send:
    async def send(api: httpx.AsyncClient, w: World, value: str) -> httpx.Response:
        params = {k: v.format(site=w.a.site.id) for k, v in fixed.items()}
        return await api.get(path, params={**params, name: value}, headers=headers(w, R.ADMIN))

    return send


def _json(method: str, path: str, field: str, role: Role = R.ADMIN, **body: object) -> Send:
    """`path` and string values may name {site}, {equipment} and {batch}."""

    async def send(api: httpx.AsyncClient, w: World, value: str) -> httpx.Response:
        names = {"site": w.a.site.id, **w.extra}
        filled = {k: v.format(**names) if isinstance(v, str) else v for k, v in body.items()}
        return await api.request(
            method,
            path.format(**names),
            json={**filled, field: value},
            headers=headers(w, role),
        )

    return send


async def _punch(api: httpx.AsyncClient, w: World, value: str) -> httpx.Response:
    body = punching.meta(w.a.site, captured_at=value)
    return await punching.post_punch(api, headers(w, R.WORKER), body)


async def _site_photo(api: httpx.AsyncClient, w: World, value: str) -> httpx.Response:
    meta = {"id": str(uuid.uuid4()), "site_id": str(w.a.site.id), "captured_at": value}
    return await api.post(
        "/api/photos",
        files={"file": ("p.jpg", jpeg(), "image/jpeg")},
        data={"meta": json.dumps(meta)},
        headers=headers(w, R.WORKER),
    )


async def _inspection_photo(api: httpx.AsyncClient, w: World, value: str) -> httpx.Response:
    meta = {"id": str(uuid.uuid4()), "captured_at": value}
    return await api.post(
        f"/api/inspections/{w.extra['inspection_id']}/photos",
        files={"file": ("p.jpg", jpeg(), "image/jpeg")},
        data={"meta": json.dumps(meta)},
        headers=headers(w, R.WORKER),
    )


async def _review(api: httpx.AsyncClient, w: World, value: str) -> httpx.Response:
    hazard_id = w.extra["hazard_ids"].pop()
    return await api.post(
        f"/api/hazards/{hazard_id}/review",
        json={"decision": "confirm", "due_at": value},
        headers=headers(w, R.SAFETY_OFFICER),
    )


async def _certificate(api: httpx.AsyncClient, w: World, value: str) -> httpx.Response:
    return await api.put(
        f"/api/materials/batches/{w.extra['batch']}/certificate",
        files={"file": ("c.pdf", PDF, "application/pdf")},
        data={"expires_on": value},
        headers=headers(w, R.ADMIN),
    )


def _export(field: str) -> Send:
    """An export naming `value` at one end and a day in range near it at the other (the
    same day for `from`, so `to` is not the first one refused)."""

    async def send(api: httpx.AsyncClient, w: World, value: str) -> httpx.Response:
        near = {"9999-12-31": "9999-12-28", "0001-01-01": "0001-01-02"}
        other = value if field == "from" else near.get(value, value)
        params = {"site_id": str(w.a.site.id), "from": other, "to": other, field: value}
        return await api.get("/api/attendance/export", params=params, headers=headers(w, R.ADMIN))

    return send


async def _an_item(api: httpx.AsyncClient, w: World) -> None:
    w.extra["equipment"] = (await create_item(api, w))["id"]


async def _a_batch(api: httpx.AsyncClient, w: World) -> None:
    w.extra["batch"] = (await create_batch(api, w))["id"]


INPUTS: dict[str, TimeInput] = {
    "punch captured_at": TimeInput("captured_at", EDGE_INSTANTS, _now, _punch),
    "photo captured_at": TimeInput("captured_at", EDGE_INSTANTS, lambda: SANE_INSTANT, _site_photo),
    "inspection photo captured_at": TimeInput(
        "captured_at", EDGE_INSTANTS, lambda: SANE_INSTANT, _inspection_photo, worker_inspection
    ),
    "punch list from": TimeInput(
        "from", EDGE_INSTANTS, lambda: SANE_INSTANT, _query("/api/attendance/punches", "from")
    ),
    "punch list to": TimeInput(
        "to", EDGE_INSTANTS, lambda: SANE_INSTANT, _query("/api/attendance/punches", "to")
    ),
    "audit from": TimeInput(
        "from", EDGE_INSTANTS, lambda: SANE_INSTANT, _query("/api/audit", "from")
    ),
    "audit to": TimeInput("to", EDGE_INSTANTS, lambda: SANE_INSTANT, _query("/api/audit", "to")),
    "hazard precision since": TimeInput(
        "since", EDGE_INSTANTS, lambda: SANE_INSTANT, _query("/api/hazards/precision", "since")
    ),
    "hazard precision until": TimeInput(
        "until", EDGE_INSTANTS, lambda: SANE_INSTANT, _query("/api/hazards/precision", "until")
    ),
    "hazard export since": TimeInput(
        "since", EDGE_INSTANTS, lambda: SANE_INSTANT, _query("/api/hazards/export", "since")
    ),
    "hazard export until": TimeInput(
        "until", EDGE_INSTANTS, lambda: SANE_INSTANT, _query("/api/hazards/export", "until")
    ),
    "hazard review due_at": TimeInput(
        "due_at", EDGE_INSTANTS, lambda: _now(timedelta(days=3)), _review, open_hazard
    ),
    "daily board date": TimeInput(
        "date",
        EDGE_DAYS,
        lambda: SANE_DAY,
        _query("/api/attendance/daily", "date", site_id="{site}"),
    ),
    "export from": TimeInput("from", EDGE_DAYS, lambda: SANE_DAY, _export("from")),
    "export to": TimeInput("to", EDGE_DAYS, lambda: SANE_DAY, _export("to")),
    "equipment certificate_expires_on": TimeInput(
        "certificate_expires_on",
        EDGE_DAYS,
        lambda: SANE_DAY,
        _json(
            "POST",
            "/api/equipment",
            "certificate_expires_on",
            site_id="{site}",
            name="Tower crane",
            category="crane",
        ),
    ),
    "equipment patch certificate_expires_on": TimeInput(
        "certificate_expires_on",
        EDGE_DAYS,
        lambda: SANE_DAY,
        _json("PATCH", "/api/equipment/{equipment}", "certificate_expires_on"),
        _an_item,
    ),
    "equipment event occurred_at": TimeInput(
        "occurred_at",
        EDGE_INSTANTS,
        _now,
        _json("POST", "/api/equipment/{equipment}/events", "occurred_at", kind="inspection"),
        _an_item,
    ),
    "maintenance plan next_due_on": TimeInput(
        "next_due_on",
        EDGE_DAYS,
        lambda: SANE_DAY,
        _json(
            "POST",
            "/api/equipment/{equipment}/maintenance-plans",
            "next_due_on",
            title="Service",
            every_days=30,
        ),
        _an_item,
    ),
    "batch certificate_expires_on": TimeInput(
        "certificate_expires_on",
        EDGE_DAYS,
        lambda: SANE_DAY,
        _json(
            "POST",
            "/api/materials/batches",
            "certificate_expires_on",
            site_id="{site}",
            material="Rebar HRB400",
            batch_no="B-1",
            supplier="Shagang",
            quantity=20,
            unit="t",
        ),
    ),
    "batch receipt received_at": TimeInput(
        "received_at",
        EDGE_INSTANTS,
        _now,
        _json(
            "POST",
            "/api/materials/batches/{batch}/receipts",
            "received_at",
            quantity=1,
            accepted=True,
        ),
        _a_batch,
    ),
    "batch certificate expires_on": TimeInput(
        "expires_on", EDGE_DAYS, lambda: SANE_DAY, _certificate, _a_batch
    ),
}


@pytest.mark.parametrize("where", list(INPUTS))
async def test_times_at_the_calendars_edges_are_422_never_500(
    api: httpx.AsyncClient, world: World, where: str
) -> None:
    case = INPUTS[where]
    if case.setup is not None:
        await case.setup(api, world)
    for value in case.edges:
        refused = await case.send(api, world, value)
        assert refused.status_code == 422, (where, value, refused.text)
        assert refused.json()["code"] == f"{case.field}_invalid", (where, value, refused.text)
    taken = await case.send(api, world, case.sane())
    assert 200 <= taken.status_code < 300, (where, taken.text)


async def test_a_camera_clock_at_the_edge_is_dropped_not_refused(
    api: httpx.AsyncClient, world: World
) -> None:
    # EXIF is the camera's word, not the client's: a broken clock loses the time only.
    # Without a zone it is read in the site's (Asia/Shanghai, +08:00): year 0 in UTC.
    broken = encode(
        Image.new("RGB", (64, 48), (90, 120, 150)),
        "JPEG",
        exif=exif_block(taken="0001:01:01 00:00:00"),
    )
    meta = {"id": str(uuid.uuid4()), "site_id": str(world.a.site.id)}
    response = await api.post(
        "/api/photos",
        files={"file": ("p.jpg", broken, "image/jpeg")},
        data={"meta": json.dumps(meta)},
        headers=headers(world, R.WORKER),
    )
    assert response.status_code == 201, response.text
    assert response.json()["captured_at"] is None


async def test_an_import_reports_a_date_at_the_edge_as_a_bad_row(
    api: httpx.AsyncClient, world: World
) -> None:
    rows = (
        "name,category,certificate_expires_on\n"
        f"{unique('Crane ')},crane,9999-12-31\n"
        f"{unique('Hoist ')},hoist,2027-05-01\n"
    )
    response = await api.post(
        "/api/equipment/import",
        files={"file": ("equipment.csv", rows.encode(), "text/csv")},
        data={"site_id": str(world.a.site.id)},
        headers=headers(world, R.MANAGER),
    )
    assert response.status_code in (200, 422), response.text
    assert [(e["row"], e["field"]) for e in response.json()["errors"]] == [
        (2, "certificate_expires_on")
    ]
