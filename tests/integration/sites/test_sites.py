"""Sites and geofences: validation, round trips, and the spatial index in use."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncEngine

from api.db.models import Role
from api.domain.sites.services import locate_query
from api.lib.context import Actor
from tests.support.database import RolledBackDatabase
from tests.support.factories import World, square

pytestmark = pytest.mark.in_process


def _admin(world: World) -> dict[str, str]:
    return world.headers(world.a.users[Role.ADMIN])


async def test_create_site_round_trips_the_polygon(api: httpx.AsyncClient, world: World) -> None:
    fence = square(116.40, 39.95)
    created = await api.post(
        "/api/sites",
        headers=_admin(world),
        json={
            "name": "North gate",
            "geofence": fence,
            "timezone": "Asia/Shanghai",
            "max_accuracy_m": 30,
        },
    )
    assert created.status_code == 201, created.text
    site = created.json()
    assert site["geofence"] == fence
    assert site["max_accuracy_m"] == 30
    assert 35_000 < site["area_m2"] < 40_000  # 0.002 deg square at 40 N: ~171 m x 222 m
    fetched = await api.get(f"/api/sites/{site['id']}", headers=_admin(world))
    assert fetched.json() == site


async def test_multipolygon_is_accepted(api: httpx.AsyncClient, world: World) -> None:
    parts = [square(116.5, 39.9)["coordinates"], square(116.6, 39.9)["coordinates"]]
    response = await api.post(
        "/api/sites",
        headers=_admin(world),
        json={
            "name": "Two yards",
            "geofence": {"type": "MultiPolygon", "coordinates": parts},
            "timezone": "Asia/Shanghai",
        },
    )
    assert response.status_code == 201, response.text
    assert response.json()["geofence"]["type"] == "MultiPolygon"


BOWTIE = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
OPEN_RING = {"type": "Polygon", "coordinates": [[[0, 0], [0.01, 0], [0.01, 0.01], [0, 0.01]]]}
LON_200 = {
    "type": "Polygon",
    "coordinates": [[[200, 0], [200.01, 0], [200.01, 0.01], [200, 0.01], [200, 0]]],
}


@pytest.mark.parametrize(
    ("geofence", "needle"),
    [
        (BOWTIE, "Self-intersection"),
        (OPEN_RING, "open"),
        (LON_200, "longitude 200"),
        ({"type": "Point", "coordinates": [1, 2]}, "Polygon or MultiPolygon"),
        ({"type": "Polygon", "coordinates": "nope"}, "at least one ring"),
        ({"type": "Polygon", "coordinates": [[["a", 0], [1, 0], [1, 1], [0, 0]]]}, "numbers"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [0, 0], [0, 0], [0, 0]]]}, "Too few points"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [2, 0], [0, 0]]]}, "Self-inters"),
        (square(0, 0, size=0.000001), "no area"),
    ],
    ids=[
        "self-intersecting",
        "open-ring",
        "lon-200",
        "point",
        "garbage",
        "strings",
        "one-point",
        "flat",
        "tiny",
    ],
)
async def test_bad_geofences_get_422_geofence_invalid(
    api: httpx.AsyncClient, world: World, geofence: dict[str, object], needle: str
) -> None:
    response = await api.post(
        "/api/sites",
        headers=_admin(world),
        json={"name": "Bad", "geofence": geofence, "timezone": "Asia/Shanghai"},
    )
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["code"] == "geofence_invalid"
    assert needle in problem["detail"]
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_bad_json_wrong_types_and_bad_timezone(api: httpx.AsyncClient, world: World) -> None:
    headers = {**_admin(world), "content-type": "application/json"}
    broken = await api.post("/api/sites", content=b'{"name": "x", ', headers=headers)
    assert broken.status_code == 400
    assert broken.json()["code"] == "malformed_json"

    wrong_type = await api.post(
        "/api/sites",
        headers=_admin(world),
        json={"name": 42, "geofence": square(1, 1), "timezone": "UTC"},
    )
    assert wrong_type.status_code == 400
    assert wrong_type.json()["code"] == "validation_error"

    tz = await api.post(
        "/api/sites",
        headers=_admin(world),
        json={"name": "x", "geofence": square(1, 1), "timezone": "Mars/Olympus"},
    )
    assert tz.status_code == 422
    assert tz.json()["code"] == "timezone_invalid"


async def test_locate_rejects_impossible_coordinates(api: httpx.AsyncClient, world: World) -> None:
    response = await api.get("/api/sites/locate?lat=10&lon=200", headers=_admin(world))
    assert response.status_code == 422
    assert response.json()["code"] == "coordinates_invalid"
    not_a_number = await api.get("/api/sites/locate?lat=abc&lon=1", headers=_admin(world))
    assert not_a_number.status_code == 400
    assert not_a_number.json()["code"] == "validation_error"


async def test_locate_uses_the_accuracy_circle(api: httpx.AsyncClient, world: World) -> None:
    # The site square starts at lon 116.30; 116.2995 is ~43 m west of its edge.
    outside = "/api/sites/locate?lat=39.901&lon=116.2995"
    far = (await api.get(f"{outside}&accuracy_m=10", headers=_admin(world))).json()["items"]
    assert [m["inside"] for m in far] == [False]
    assert 35 < far[0]["distance_m"] < 50
    near = (await api.get(f"{outside}&accuracy_m=60", headers=_admin(world))).json()["items"]
    assert near[0]["inside"] is True


async def test_patch_site_keeps_what_was_not_sent(api: httpx.AsyncClient, world: World) -> None:
    url = f"/api/sites/{world.a.site.id}"
    before = (await api.get(url, headers=_admin(world))).json()
    changed = await api.patch(url, headers=_admin(world), json={"name": "Renamed site"})
    assert changed.status_code == 200
    after = changed.json()
    assert after["name"] == "Renamed site"
    assert after["geofence"] == before["geofence"]
    bad = await api.patch(url, headers=_admin(world), json={"geofence": BOWTIE})
    assert bad.status_code == 422
    assert (await api.get(url, headers=_admin(world))).json()["geofence"] == before["geofence"]


async def test_geofence_lookup_uses_the_gist_index(
    database: AsyncEngine | RolledBackDatabase, world: World
) -> None:
    # Enough sites that a sequential scan is clearly the worse plan.
    async with database.begin() as conn:
        await conn.execute(
            text(
                """
                INSERT INTO sites (id, company_id, name, geofence, timezone, max_accuracy_m,
                                   shift_start, is_active)
                SELECT gen_random_uuid(), :company, 'bulk ' || g,
                       ST_Multi(ST_MakeEnvelope(70 + (g % 100) * 0.5, 10 + (g / 100) * 0.5,
                                                70.002 + (g % 100) * 0.5,
                                                10.002 + (g / 100) * 0.5, 4326))::geography,
                       'UTC', 50, '08:00', true
                FROM generate_series(1, 5000) AS g
                """
            ),
            {"company": world.a.company.id},
        )
        await conn.execute(text("ANALYZE sites"))
        actor = Actor(user=world.a.users[Role.ADMIN])
        query = locate_query(actor, 39.901, 116.301, 100.0)
        compiled = query.compile(
            dialect=postgresql.dialect(),  # type: ignore[no-untyped-call]
            compile_kwargs={"literal_binds": True},
        )
        plan = (await conn.execute(text(f"EXPLAIN {compiled}"))).scalars().all()
    plan_text = "\n".join(plan)
    assert "ix_sites_geofence" in plan_text, plan_text


async def test_control_characters_are_a_400_not_a_500(api: httpx.AsyncClient, world: World) -> None:
    nul_name = await api.post(
        "/api/sites",
        headers=_admin(world),
        json={"name": "gate\u0000", "geofence": square(1, 1), "timezone": "UTC"},
    )
    assert nul_name.status_code == 400
    assert nul_name.json()["code"] == "validation_error"
    nul_login = await api.post("/api/auth/login", json={"login": "a\u0000b", "password": "x"})
    assert nul_login.status_code == 400
    long_login = await api.post("/api/auth/login", json={"login": "a" * 5000, "password": "x"})
    assert long_login.status_code == 400
