"""Foundation endpoints: auth, companies, people, sites, projects, crews, audit."""

from __future__ import annotations

import itertools
from typing import Any

import httpx

from tests.authz.case import ALL, TENANT, Case, R, by_role
from tests.support.factories import PASSWORD, World, square, unique

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


async def _signed_in_worker(api: httpx.AsyncClient, w: World) -> None:
    """A worker of company A's crew to sign out: not one of the world's users, whose
    tokens the roles after the first one still need."""
    created = await api.post(
        "/api/users", json=_user_body(w), headers=w.headers(w.a.users[R.ADMIN])
    )
    assert created.status_code == 201, created.text
    w.extra["sign_out_target"] = created.json()["id"]


CASES = [
    Case("GET", "/api/me", by_role({r: 200 for r in ALL}), lambda w: "/api/me"),
    # Every role may end its own tokens; each role's own token is used once, right here.
    Case("POST", "/api/me/sign-out", by_role({r: 204 for r in ALL}), lambda w: "/api/me/sign-out"),
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
        "/api/users/{user_id:uuid}/sign-out",
        by_role({R.ADMIN: 204, R.MANAGER: 204}),
        lambda w: f"/api/users/{w.extra['sign_out_target']}/sign-out",
        setup=_signed_in_worker,
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
        # hazard_tiling included: the hazard grid is set by the roles that edit a site.
        lambda w: {"max_accuracy_m": 40, "hazard_tiling": {"grid": [2, 2]}},
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
