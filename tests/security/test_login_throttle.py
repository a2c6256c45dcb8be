"""Login brute force from the two sides test_auth.py does not cover: one address
spraying one password over many logins, and one login guessed from many addresses.

The client address is what uvicorn puts in the scope: behind a proxy it trusts
(FORWARDED_ALLOW_IPS, by default 127.0.0.1, which is where these requests come from) it
takes X-Forwarded-For, so each test can speak from several addresses."""

from __future__ import annotations

import httpx

from api.db.models import Role
from api.lib.throttle import IP_LIMIT_FACTOR
from tests.support.factories import PASSWORD, World


async def _login(api: httpx.AsyncClient, login: str, password: str, ip: str) -> httpx.Response:
    return await api.post(
        "/api/auth/login",
        json={"login": login, "password": password},
        headers={"X-Forwarded-For": ip},
    )


async def test_one_address_spraying_many_logins_is_locked(
    api: httpx.AsyncClient, world: World
) -> None:
    limit = world.settings.auth.login_max_failures * IP_LIMIT_FACTOR
    sprayer = "203.0.113.7"
    # Never more than a few tries per login, so no login lock is what stops it.
    for i in range(limit):
        response = await _login(api, f"sprayed-{i}", "Summer2026!", sprayer)
        assert response.status_code == 401, (i, response.text)
    locked = await _login(api, "sprayed-last", "Summer2026!", sprayer)
    assert locked.status_code == 429
    assert locked.json()["code"] == "rate_limited"
    assert int(locked.headers["retry-after"]) > 0
    # The address is locked even for a real account with the right password...
    worker = world.a.users[Role.WORKER]
    assert (await _login(api, worker.login, PASSWORD, sprayer)).status_code == 429
    # ...while the same account from another address works: the lock is per address.
    assert (await _login(api, worker.login, PASSWORD, "198.51.100.20")).status_code == 200


async def test_one_login_guessed_from_many_addresses_is_locked(
    api: httpx.AsyncClient, world: World
) -> None:
    target = world.a.users[Role.MANAGER]
    for i in range(world.settings.auth.login_max_failures):
        response = await _login(api, target.login, f"guess-{i}", f"198.51.100.{i + 1}")
        assert response.status_code == 401
    # A fresh address does not help: the login itself is locked...
    fresh = await _login(api, target.login, PASSWORD, "192.0.2.99")
    assert fresh.status_code == 429
    # ...also under another spelling of the same login.
    upper = await _login(api, target.login.upper(), PASSWORD, "192.0.2.98")
    assert upper.status_code == 429
    # Someone else from one of the guessing addresses is not affected.
    other = world.a.users[Role.FOREMAN]
    assert (await _login(api, other.login, PASSWORD, "198.51.100.1")).status_code == 200
