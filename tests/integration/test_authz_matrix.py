"""Every endpoint, every role, and a user of another company.

The matrix below is the access policy written out. The first test fails when an
endpoint exists that the matrix does not cover, so a new endpoint cannot ship without
a decision about who may call it.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from api.app import create_app
from api.config import Settings
from api.db.models import Role
from tests.factories import PASSWORD, World, square, unique

R = Role
ALL = frozenset(Role)
TENANT = ALL - {R.SUPERADMIN}
_lon = itertools.count()


def _site_body(w: World) -> dict[str, Any]:
    return {
        "name": unique("site "),
        "geofence": square(100 + next(_lon) * 0.01, 10.0),
        "timezone": "Asia/Shanghai",
    }


def _user_body(w: World) -> dict[str, Any]:
    return {
        "name": "New worker",
        "role": "worker",
        "password": PASSWORD,
        "login": unique("new-"),
        "crew_id": str(w.a.crew.id),
    }


@dataclass(frozen=True)
class Case:
    method: str
    path: str  # the route template, as the app registers it
    # Expected status per role for a user of company A acting on company A's objects.
    expect: dict[Role, int]
    url: Callable[[World], str]
    body: Callable[[World], Any] | None = None
    # Does the URL name an object of company A (so company B must get 404)?
    scoped_object: bool = False


def by_role(allowed: dict[Role, int], denied: int = 403) -> dict[Role, int]:
    return {role: allowed.get(role, denied) for role in Role}


CASES = [
    Case("GET", "/api/me", by_role({r: 200 for r in ALL}), lambda w: "/api/me"),
    Case(
        "POST",
        "/api/companies",
        by_role({R.SUPERADMIN: 201}),
        lambda w: "/api/companies",
        lambda w: {
            "name": unique("Co "),
            "admin": {"login": unique("adm-"), "password": PASSWORD, "name": "Boss"},
        },
    ),
    Case("GET", "/api/companies", by_role({R.SUPERADMIN: 200}), lambda w: "/api/companies"),
    Case(
        "POST",
        "/api/users",
        by_role({R.ADMIN: 201, R.MANAGER: 201}),
        lambda w: "/api/users",
        _user_body,
    ),
    Case(
        "GET",
        "/api/users",
        by_role({R.ADMIN: 200, R.MANAGER: 200, R.FOREMAN: 200}),
        lambda w: "/api/users",
    ),
    # Target: company A's worker. Safety officers see only themselves.
    Case(
        "GET",
        "/api/users/{user_id:uuid}",
        by_role(
            {R.ADMIN: 200, R.MANAGER: 200, R.FOREMAN: 200, R.WORKER: 200, R.SAFETY_OFFICER: 404}
        ),
        lambda w: f"/api/users/{w.a.users[R.WORKER].id}",
        scoped_object=True,
    ),
    Case(
        "PATCH",
        "/api/users/{user_id:uuid}",
        by_role({R.ADMIN: 200, R.MANAGER: 200}),
        lambda w: f"/api/users/{w.a.users[R.WORKER].id}",
        lambda w: {"name": "Renamed"},
        scoped_object=True,
    ),
    Case(
        "POST",
        "/api/sites",
        by_role({R.ADMIN: 201, R.MANAGER: 201}),
        lambda w: "/api/sites",
        _site_body,
    ),
    Case("GET", "/api/sites", by_role({r: 200 for r in TENANT}), lambda w: "/api/sites"),
    Case(
        "GET",
        "/api/sites/locate",
        by_role({r: 200 for r in TENANT}),
        lambda w: "/api/sites/locate?lat=39.901&lon=116.301",
    ),
    Case(
        "GET",
        "/api/sites/{site_id:uuid}",
        by_role({r: 200 for r in TENANT}),
        lambda w: f"/api/sites/{w.a.site.id}",
        scoped_object=True,
    ),
    Case(
        "PATCH",
        "/api/sites/{site_id:uuid}",
        by_role({R.ADMIN: 200, R.MANAGER: 200}),
        lambda w: f"/api/sites/{w.a.site.id}",
        lambda w: {"max_accuracy_m": 40},
        scoped_object=True,
    ),
    Case(
        "PUT",
        "/api/sites/{site_id:uuid}/staff/{user_id:uuid}",
        by_role({R.ADMIN: 204, R.MANAGER: 204}),
        lambda w: f"/api/sites/{w.a.site.id}/staff/{w.a.users[R.SAFETY_OFFICER].id}",
        scoped_object=True,
    ),
    Case(
        "DELETE",
        "/api/sites/{site_id:uuid}/staff/{user_id:uuid}",
        by_role({R.ADMIN: 204, R.MANAGER: 204}),
        lambda w: f"/api/sites/{w.a.site.id}/staff/{w.a.users[R.FOREMAN].id}",
        scoped_object=True,
    ),
    Case(
        "POST",
        "/api/projects",
        by_role({R.ADMIN: 201}),
        lambda w: "/api/projects",
        lambda w: {"name": unique("Project ")},
    ),
    Case(
        "GET", "/api/projects", by_role({R.ADMIN: 200, R.MANAGER: 200}), lambda w: "/api/projects"
    ),
    Case(
        "PUT",
        "/api/projects/{project_id:uuid}/members/{user_id:uuid}",
        by_role({R.ADMIN: 204}),
        lambda w: f"/api/projects/{w.a.project.id}/members/{w.a.users[R.MANAGER].id}",
        scoped_object=True,
    ),
    Case(
        "DELETE",
        "/api/projects/{project_id:uuid}/members/{user_id:uuid}",
        by_role({R.ADMIN: 204}),
        lambda w: f"/api/projects/{w.a.project.id}/members/{w.a.users[R.ADMIN].id}",
        scoped_object=True,
    ),
    Case(
        "POST",
        "/api/crews",
        by_role({R.ADMIN: 201, R.MANAGER: 201}),
        lambda w: "/api/crews",
        lambda w: {"site_id": str(w.a.site.id), "name": unique("crew ")},
    ),
    Case(
        "GET",
        "/api/crews",
        by_role({R.ADMIN: 200, R.MANAGER: 200, R.SAFETY_OFFICER: 200, R.FOREMAN: 200}),
        lambda w: "/api/crews",
    ),
    Case("GET", "/api/audit", by_role({R.ADMIN: 200}), lambda w: "/api/audit"),
]

PUBLIC_ROUTES = {("POST", "/api/auth/login"), ("GET", "/health")}


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
    covered = {(c.method, c.path) for c in CASES} | PUBLIC_ROUTES
    assert _app_routes(settings) == covered


async def _call(
    api: httpx.AsyncClient, case: Case, w: World, headers: dict[str, str]
) -> httpx.Response:
    body = case.body(w) if case.body else None
    return await api.request(case.method, case.url(w), json=body, headers=headers)


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.method} {c.path}")
async def test_each_role_gets_the_expected_status(
    api: httpx.AsyncClient, world: World, case: Case
) -> None:
    got = {}
    for role in Role:
        user = world.superadmin if role is R.SUPERADMIN else world.a.users[role]
        response = await _call(api, case, world, world.headers(user))
        got[role] = response.status_code
        if response.status_code >= 400:
            assert response.headers["content-type"].startswith("application/problem+json")
            assert response.json()["code"]
    assert got == case.expect


@pytest.mark.parametrize(
    "case", [c for c in CASES if c.scoped_object], ids=lambda c: f"{c.method} {c.path}"
)
async def test_other_company_gets_404_for_our_objects(
    api: httpx.AsyncClient, world: World, case: Case
) -> None:
    for role, status in case.expect.items():
        if status >= 400 or role is R.SUPERADMIN:
            continue
        response = await _call(api, case, world, world.headers(world.b.users[role]))
        assert response.status_code == 404, (role, response.text)
        assert response.json()["code"].endswith("not_found")


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.method} {c.path}")
async def test_anonymous_and_forged_tokens_get_401(
    api: httpx.AsyncClient, world: World, case: Case
) -> None:
    for headers in (
        {},
        {"Authorization": "Bearer not-a-jwt"},
        {"Authorization": f"Bearer {world.tokens[world.a.users[R.ADMIN].id]}x"},
    ):
        response = await _call(api, case, world, headers)
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
