"""Tokens end when their reason to exist does: a password change, a deactivation (so a
reactivation cannot revive them) and "sign out everywhere", for oneself or by a manager
or admin. The old token is 401 `token_revoked` at once on this replica although the
principal cache (SITECHECK_AUTH_CACHE_S, 5 s here) had just loaded its owner; a token
from a new login works."""

from __future__ import annotations

import httpx

from api.db.models import Role, User
from tests.support.factories import PASSWORD, World

NEW_PASSWORD = "another-horse-battery"


async def _login(api: httpx.AsyncClient, user: User, password: str = PASSWORD) -> str:
    response = await api.post("/api/auth/login", json={"login": user.login, "password": password})
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _assert_revoked(api: httpx.AsyncClient, token: str) -> None:
    response = await api.get("/api/me", headers=_bearer(token))
    assert response.status_code == 401, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "token_revoked"


async def _works(api: httpx.AsyncClient, token: str) -> None:
    response = await api.get("/api/me", headers=_bearer(token))
    assert response.status_code == 200, response.text


async def test_a_password_change_ends_older_tokens(api: httpx.AsyncClient, world: World) -> None:
    worker = world.a.users[Role.WORKER]
    old = await _login(api, worker)
    await _works(api, old)  # now cached for this process
    changed = await api.patch(
        f"/api/users/{worker.id}",
        json={"password": NEW_PASSWORD},
        headers=world.headers(world.a.users[Role.MANAGER]),
    )
    assert changed.status_code == 200, changed.text
    await _assert_revoked(api, old)
    await _assert_revoked(api, world.tokens[worker.id])  # minted before versions: 0
    await _works(api, await _login(api, worker, NEW_PASSWORD))


async def test_a_reactivation_does_not_revive_old_tokens(
    api: httpx.AsyncClient, world: World
) -> None:
    worker = world.a.users[Role.WORKER]
    admin = world.headers(world.a.users[Role.ADMIN])
    old = await _login(api, worker)
    await _works(api, old)
    off = await api.patch(f"/api/users/{worker.id}", json={"is_active": False}, headers=admin)
    assert off.status_code == 200, off.text
    refused = await api.get("/api/me", headers=_bearer(old))
    assert refused.status_code == 401
    on = await api.patch(f"/api/users/{worker.id}", json={"is_active": True}, headers=admin)
    assert on.status_code == 200, on.text
    await _assert_revoked(api, old)
    await _works(api, await _login(api, worker))


async def test_an_unchanged_flag_or_a_rename_keeps_tokens(
    api: httpx.AsyncClient, world: World
) -> None:
    worker = world.a.users[Role.WORKER]
    token = await _login(api, worker)
    renamed = await api.patch(
        f"/api/users/{worker.id}",
        json={"name": "Renamed", "is_active": True},
        headers=world.headers(world.a.users[Role.ADMIN]),
    )
    assert renamed.status_code == 200, renamed.text
    await _works(api, token)


async def test_sign_out_everywhere_by_a_manager(api: httpx.AsyncClient, world: World) -> None:
    worker = world.a.users[Role.WORKER]
    phone, tablet = await _login(api, worker), await _login(api, worker)
    await _works(api, phone)
    out = await api.post(
        f"/api/users/{worker.id}/sign-out", headers=world.headers(world.a.users[Role.MANAGER])
    )
    assert out.status_code == 204, out.text
    await _assert_revoked(api, phone)
    await _assert_revoked(api, tablet)
    await _works(api, await _login(api, worker))
    audit = await api.get(
        f"/api/audit?entity=user&entity_id={worker.id}",
        headers=world.headers(world.a.users[Role.ADMIN]),
    )
    assert "sign_out" in [e["action"] for e in audit.json()["items"]]


async def test_sign_out_of_someone_outside_ones_reach(api: httpx.AsyncClient, world: World) -> None:
    manager = world.headers(world.a.users[Role.MANAGER])
    # An admin's role is above a manager's; another company's worker is no one to them.
    above = await api.post(f"/api/users/{world.a.users[Role.ADMIN].id}/sign-out", headers=manager)
    assert above.status_code == 404, above.text
    other = await api.post(f"/api/users/{world.b.users[Role.WORKER].id}/sign-out", headers=manager)
    assert other.status_code == 404
    assert other.json()["code"] == "user_not_found"
    await _works(api, world.tokens[world.a.users[Role.ADMIN].id])
    await _works(api, world.tokens[world.b.users[Role.WORKER].id])


async def test_sign_out_myself_everywhere(api: httpx.AsyncClient, world: World) -> None:
    foreman = world.a.users[Role.FOREMAN]
    this_phone, lost_phone = await _login(api, foreman), await _login(api, foreman)
    await _works(api, lost_phone)
    out = await api.post("/api/me/sign-out", headers=_bearer(this_phone))
    assert out.status_code == 204, out.text
    await _assert_revoked(api, lost_phone)
    await _assert_revoked(api, this_phone)
    await _works(api, await _login(api, foreman))
