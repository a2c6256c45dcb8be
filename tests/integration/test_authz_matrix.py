"""Every endpoint, every role, and a user of another company.

The matrix below is the access policy written out. The first test fails when an
endpoint exists that the matrix does not cover, so a new endpoint cannot ship without
a decision about who may call it.
"""

from __future__ import annotations

import httpx
import pytest

from api.app import create_app
from api.config import Settings
from api.db.models import Role
from tests.authz import ALL_CASES
from tests.authz.case import Case, R, call
from tests.support.factories import PASSWORD, World, unique

PUBLIC_ROUTES = {
    ("POST", "/api/auth/login"),
    ("GET", "/health"),
    ("GET", "/health/live"),
    ("GET", "/health/ready"),
    # Open like /health unless SITECHECK_METRICS_TOKEN is set (test_observability.py).
    ("GET", "/metrics"),
}


def _app_routes(settings: Settings) -> set[tuple[str, str]]:
    app = create_app(settings)
    found = set()
    for route in app.routes:
        path = route.path
        if path.startswith("/schema") or path in ("/", "/{path:path}"):
            continue
        for method in getattr(route, "methods", ()):
            if method not in ("HEAD", "OPTIONS"):
                found.add((method, path))
    return found


def test_matrix_covers_every_endpoint(settings: Settings) -> None:
    covered = {(c.method, c.path) for c in ALL_CASES} | PUBLIC_ROUTES
    assert _app_routes(settings) == covered


@pytest.mark.parametrize("case", ALL_CASES, ids=lambda c: f"{c.method} {c.path}")
async def test_each_role_gets_the_expected_status(
    api: httpx.AsyncClient, world: World, case: Case
) -> None:
    if case.setup is not None:
        await case.setup(api, world)
    got = {}
    for role in Role:
        user = world.superadmin if role is R.SUPERADMIN else world.a.users[role]
        response = await call(api, case, world, world.headers(user))
        got[role] = response.status_code
        if response.status_code >= 400:
            assert response.headers["content-type"].startswith("application/problem+json")
            assert response.json()["code"]
    assert got == case.expect


@pytest.mark.parametrize(
    "case", [c for c in ALL_CASES if c.scoped_object], ids=lambda c: f"{c.method} {c.path}"
)
async def test_other_company_gets_404_for_our_objects(
    api: httpx.AsyncClient, world: World, case: Case
) -> None:
    if case.setup is not None:
        await case.setup(api, world)
    for role, status in case.expect.items():
        if status >= 400 or role is R.SUPERADMIN:
            continue
        response = await call(api, case, world, world.headers(world.b.users[role]))
        assert response.status_code == 404, (role, response.text)
        assert response.json()["code"].endswith("not_found")


@pytest.mark.parametrize("case", ALL_CASES, ids=lambda c: f"{c.method} {c.path}")
async def test_anonymous_and_forged_tokens_get_401(
    api: httpx.AsyncClient, world: World, case: Case
) -> None:
    if case.setup is not None:
        await case.setup(api, world)
    for headers in (
        {},
        {"Authorization": "Bearer not-a-jwt"},
        {"Authorization": f"Bearer {world.tokens[world.a.users[R.ADMIN].id]}x"},
    ):
        response = await call(api, case, world, headers)
        assert response.status_code == 401
        assert response.json()["code"] == "not_authenticated"


async def test_lists_never_show_another_company(api: httpx.AsyncClient, world: World) -> None:
    admin_b = world.headers(world.b.users[R.ADMIN])
    # Both companies write something, so both have audit entries.
    for tenant in (world.a, world.b):
        renamed = await api.patch(
            f"/api/sites/{tenant.site.id}",
            json={"name": "Renamed"},
            headers=world.headers(tenant.users[R.ADMIN]),
        )
        assert renamed.status_code == 200
    a_ids = {str(world.a.site.id), str(world.a.crew.id), str(world.a.project.id)} | {
        str(u.id) for u in world.a.users.values()
    }
    for path in ("/api/sites", "/api/users", "/api/crews", "/api/projects", "/api/audit"):
        body = (await api.get(path, headers=admin_b)).json()
        ids = (
            {item["id"] for item in body["items"]}
            if path != "/api/audit"
            else {item["entity_id"] for item in body["items"]}
        )
        assert ids, path
        assert not ids & a_ids, path
    located = await api.get("/api/sites/locate?lat=39.901&lon=116.301", headers=admin_b)
    assert located.json()["items"] == []


async def test_cannot_attach_another_companys_crew(api: httpx.AsyncClient, world: World) -> None:
    body = {
        "name": "Mole",
        "role": "worker",
        "password": PASSWORD,
        "login": unique("mole-"),
        "crew_id": str(world.b.crew.id),
    }
    response = await api.post(
        "/api/users", json=body, headers=world.headers(world.a.users[R.ADMIN])
    )
    assert response.status_code == 404
    assert response.json()["code"] == "crew_not_found"


async def test_manager_cannot_create_admins(api: httpx.AsyncClient, world: World) -> None:
    body = {"name": "Boss", "role": "admin", "password": PASSWORD, "login": unique("boss-")}
    response = await api.post(
        "/api/users", json=body, headers=world.headers(world.a.users[R.MANAGER])
    )
    assert response.status_code == 403
    assert response.json()["code"] == "role_not_grantable"
