"""A site's own hazard tile grid: set through the sites API (validated like the policy
file's [tiling], by the roles that may edit a site, within the tenant), and what it buys:
a photo taken from far away is flagged on a site with a 3x3 grid, not on one without."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from api.config import Settings
from api.db.models import Role
from api.jobs.worker import run_until_idle
from tests.support.factories import World, square, unique
from tests.support.hazard_photos import far_bus, hazard_of, jpeg_bytes, upload

GRID_3X3 = {"grid": [3, 3], "overlap": 0.2, "include_whole": True}


async def _patch(
    api: httpx.AsyncClient, world: World, body: dict[str, Any], role: Role = Role.ADMIN
) -> httpx.Response:
    return await api.patch(
        f"/api/sites/{world.a.site.id}", json=body, headers=world.headers(world.a.users[role])
    )


async def test_patch_reads_back_and_clears_the_site_tiling(
    api: httpx.AsyncClient, world: World
) -> None:
    admin = world.headers(world.a.users[Role.ADMIN])
    before = await api.get(f"/api/sites/{world.a.site.id}", headers=admin)
    assert before.json()["hazard_tiling"] is None

    # Defaults filled in: what is stored is what the detector will run.
    set_grid = await _patch(api, world, {"hazard_tiling": {"grid": [3, 2]}}, Role.MANAGER)
    assert set_grid.status_code == 200, set_grid.text
    want = {"grid": [3, 2], "overlap": 0.2, "include_whole": True}
    assert set_grid.json()["hazard_tiling"] == want
    read = await api.get(f"/api/sites/{world.a.site.id}", headers=admin)
    assert read.json()["hazard_tiling"] == want

    # A PATCH that does not name the field leaves it alone.
    other = await _patch(api, world, {"max_accuracy_m": 30})
    assert other.json()["hazard_tiling"] == want

    off = await _patch(api, world, {"hazard_tiling": {"enabled": False}})
    assert off.json()["hazard_tiling"] == {"enabled": False}

    # null: back to the model policy's own tiling.
    cleared = await _patch(api, world, {"hazard_tiling": None})
    assert cleared.status_code == 200
    assert cleared.json()["hazard_tiling"] is None


@pytest.mark.parametrize(
    ("tiling", "reason"),
    [
        ({"grid": [2]}, "hazard_tiling: grid must be [columns, rows], each 1..8"),
        ({"grid": [12, 2]}, "hazard_tiling: grid must be [columns, rows], each 1..8"),
        ({"overlap": 0.95}, "hazard_tiling: overlap must be below 0.9"),
        ({"grid": [1, 1]}, "hazard_tiling: a 1x1 grid plus the whole photo runs it twice"),
        ({"tiles": 4}, "hazard_tiling: unknown keys ['tiles']"),
        ({"enabled": "on"}, "hazard_tiling: enabled must be a bool"),
    ],
)
async def test_invalid_tiling_is_422_with_the_reason(
    api: httpx.AsyncClient, world: World, tiling: dict[str, Any], reason: str
) -> None:
    response = await _patch(api, world, {"hazard_tiling": tiling})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "invalid_tiling"
    assert response.json()["detail"] == reason
    unchanged = await api.get(
        f"/api/sites/{world.a.site.id}", headers=world.headers(world.a.users[Role.ADMIN])
    )
    assert unchanged.json()["hazard_tiling"] is None


async def test_create_validates_and_stores_the_tiling(api: httpx.AsyncClient, world: World) -> None:
    admin = world.headers(world.a.users[Role.ADMIN])
    body = {
        "name": unique("far site "),
        "geofence": square(117.0, 40.0),
        "timezone": "Asia/Shanghai",
        "hazard_tiling": {"grid": [0, 2]},
    }
    refused = await api.post("/api/sites", json=body, headers=admin)
    assert refused.status_code == 422
    assert refused.json()["code"] == "invalid_tiling"
    created = await api.post("/api/sites", json={**body, "hazard_tiling": GRID_3X3}, headers=admin)
    assert created.status_code == 201, created.text
    assert created.json()["hazard_tiling"] == GRID_3X3


@pytest.mark.parametrize("role", [Role.SAFETY_OFFICER, Role.FOREMAN, Role.WORKER])
async def test_only_site_editors_set_it(api: httpx.AsyncClient, world: World, role: Role) -> None:
    response = await _patch(api, world, {"hazard_tiling": GRID_3X3}, role)
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


async def test_another_company_gets_404(api: httpx.AsyncClient, world: World) -> None:
    response = await api.patch(
        f"/api/sites/{world.a.site.id}",
        json={"hazard_tiling": GRID_3X3},
        headers=world.headers(world.b.users[Role.ADMIN]),
    )
    assert response.status_code == 404
    read = await api.get(
        f"/api/sites/{world.a.site.id}", headers=world.headers(world.a.users[Role.ADMIN])
    )
    assert read.json()["hazard_tiling"] is None


async def test_a_far_photo_is_flagged_only_on_a_site_with_a_grid(
    api: httpx.AsyncClient, world: World, settings: Settings
) -> None:
    admin = world.headers(world.a.users[Role.ADMIN])
    far_site = await api.post(
        "/api/sites",
        json={
            "name": unique("crane site "),
            "geofence": square(117.1, 40.1),
            "timezone": "Asia/Shanghai",
            "hazard_tiling": GRID_3X3,
        },
        headers=admin,
    )
    assert far_site.status_code == 201, far_site.text
    photo, (x0, y0, x1, y1) = far_bus()
    data = jpeg_bytes(photo)
    plain = await upload(api, world, data, world.a.site.id)
    tiled = await upload(api, world, data, far_site.json()["id"])
    await run_until_idle(settings)

    without = await hazard_of(api, world, plain)
    assert without["status"] == "clear", without
    assert without["detections"] == []

    found = await hazard_of(api, world, tiled)
    assert found["status"] == "flagged", found
    bare = [d for d in found["detections"] if d["hazard"]]
    assert len(bare) == 2, found["detections"]
    for d in bare:
        bx0, by0, bx1, by1 = d["box"]
        assert x0 <= bx0 < bx1 <= x1
        assert y0 <= by0 < by1 <= y1
    queue = await api.get("/api/hazards", headers=admin)
    assert queue.status_code == 200
    assert [i["photo"]["id"] for i in queue.json()["items"]] == [tiled]
