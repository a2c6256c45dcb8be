"""Login, tokens and the login throttle."""

from __future__ import annotations

from datetime import timedelta

import httpx
import jwt
import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncEngine

from api.app import create_app
from api.config import Settings
from api.db.models import Role
from api.db.models.base import utcnow
from api.lib.passwords import verify_password
from tests.support.factories import PASSWORD, World

pytestmark = pytest.mark.in_process


async def test_login_returns_a_working_token(api: httpx.AsyncClient, world: World) -> None:
    worker = world.a.users[Role.WORKER]
    response = await api.post("/api/auth/login", json={"login": worker.login, "password": PASSWORD})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] >= 8 * 3600  # a whole shift
    assert body["user"] == {
        "id": str(worker.id),
        "name": worker.name,
        "role": "worker",
        "company_id": str(world.a.company.id),
    }
    me = await api.get("/api/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    me_body = me.json()
    assert me_body["crew"]["id"] == str(world.a.crew.id)
    assert [s["id"] for s in me_body["sites"]] == [str(world.a.site.id)]


async def test_login_is_case_insensitive_on_the_login(api: httpx.AsyncClient, world: World) -> None:
    login = world.a.users[Role.ADMIN].login.upper()
    response = await api.post("/api/auth/login", json={"login": login, "password": PASSWORD})
    assert response.status_code == 200


async def test_wrong_password_and_unknown_login_look_the_same(
    api: httpx.AsyncClient, world: World
) -> None:
    wrong = await api.post(
        "/api/auth/login", json={"login": world.a.users[Role.ADMIN].login, "password": "nope-nope"}
    )
    unknown = await api.post("/api/auth/login", json={"login": "ghost", "password": "nope-nope"})
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert response.json()["code"] == "bad_credentials"
    assert wrong.json()["detail"] == unknown.json()["detail"]


async def test_brute_force_is_rate_limited(api: httpx.AsyncClient, world: World) -> None:
    login = world.a.users[Role.FOREMAN].login
    for _ in range(world.settings.auth.login_max_failures):
        bad = await api.post("/api/auth/login", json={"login": login, "password": "guess-guess"})
        assert bad.status_code == 401
    locked = await api.post("/api/auth/login", json={"login": login, "password": "guess-guess"})
    assert locked.status_code == 429
    assert locked.json()["code"] == "rate_limited"
    assert int(locked.headers["retry-after"]) > 0
    # Even the right password waits until the lock ends.
    right = await api.post("/api/auth/login", json={"login": login, "password": PASSWORD})
    assert right.status_code == 429
    # Other people are not locked out by it.
    other = await api.post(
        "/api/auth/login", json={"login": world.a.users[Role.WORKER].login, "password": PASSWORD}
    )
    assert other.status_code == 200


async def test_expired_and_tampered_tokens_are_refused(
    api: httpx.AsyncClient, world: World
) -> None:
    user = world.a.users[Role.ADMIN]
    secret = world.settings.auth.jwt_secret
    now = utcnow()
    expired = jwt.encode(
        {"sub": str(user.id), "iat": now - timedelta(hours=3), "exp": now - timedelta(hours=1)},
        secret,
        algorithm="HS256",
    )
    wrong_key = jwt.encode(
        {"sub": str(user.id), "exp": now + timedelta(hours=1)},
        "another-secret-that-is-long-enough-xx",
        algorithm="HS256",
    )
    unsigned = jwt.encode(
        {"sub": str(user.id), "exp": now + timedelta(hours=1)}, "", algorithm="none"
    )
    for token in (expired, wrong_key, unsigned):
        response = await api.get("/api/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, token
        assert response.json()["code"] == "not_authenticated"


async def test_deactivated_user_loses_access(api: httpx.AsyncClient, world: World) -> None:
    worker = world.a.users[Role.WORKER]
    admin = world.headers(world.a.users[Role.ADMIN])
    # Signed in and recently seen (so the API holds the worker in its short-lived cache
    # of token owners): the deactivation must still apply to the very next request.
    assert (await api.get("/api/me", headers=world.headers(worker))).status_code == 200
    off = await api.patch(f"/api/users/{worker.id}", json={"is_active": False}, headers=admin)
    assert off.status_code == 200
    assert (await api.get("/api/me", headers=world.headers(worker))).status_code == 401
    login = await api.post("/api/auth/login", json={"login": worker.login, "password": PASSWORD})
    assert login.status_code == 401


async def test_company_and_user_creation_flow(api: httpx.AsyncClient, world: World) -> None:
    root = world.headers(world.superadmin)
    company = await api.post(
        "/api/companies",
        headers=root,
        json={
            "name": "Delta Build",
            "admin": {"login": "delta-admin", "password": PASSWORD, "name": "Dee"},
        },
    )
    assert company.status_code == 201, company.text
    assert set(company.json()) >= {"id", "name", "admin_id"}
    token = (
        await api.post("/api/auth/login", json={"login": "delta-admin", "password": PASSWORD})
    ).json()
    assert token["user"]["company_id"] == company.json()["id"]
    admin = {"Authorization": f"Bearer {token['access_token']}"}
    # Login defaults to the phone number.
    created = await api.post(
        "/api/users",
        headers=admin,
        json={
            "name": "Wang Wei",
            "phone": "+86 138 0000 0001",
            "role": "foreman",
            "password": PASSWORD,
        },
    )
    assert created.status_code == 201, created.text
    assert created.json()["login"] == "+86 138 0000 0001"
    login = await api.post(
        "/api/auth/login", json={"login": "+86 138 0000 0001", "password": PASSWORD}
    )
    assert login.status_code == 200
    dup = await api.post(
        "/api/users",
        headers=admin,
        json={"name": "Copy", "phone": "+86 138 0000 0001", "role": "worker", "password": PASSWORD},
    )
    assert dup.status_code == 409
    assert dup.json()["code"] == "login_taken"


async def test_user_without_login_or_phone_is_refused(api: httpx.AsyncClient, world: World) -> None:
    response = await api.post(
        "/api/users",
        headers=world.headers(world.a.users[Role.ADMIN]),
        json={"name": "Nameless", "role": "worker", "password": PASSWORD},
    )
    assert response.status_code == 422
    assert response.json()["code"] == "login_required"


@pytest.mark.live  # its own app, on the real pool, sees only committed rows
async def test_password_check_holds_no_database_connection(
    world: World, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A crew logging in at once must not pin the pool through argon2 (benchmarks/rush.py
    # saw 503s from exactly that). Count the app's checked-out connections while the hash
    # is being checked.
    app = create_app(settings)
    app_engine: AsyncEngine = app.state.engine
    seen: list[int] = []

    def counting_verify(stored: str | None, password: str) -> bool:
        seen.append(app_engine.sync_engine.pool.checkedout())  # type: ignore[attr-defined]
        return verify_password(stored, password)

    monkeypatch.setattr("api.domain.people.services.verify_password", counting_verify)
    worker = world.a.users[Role.WORKER]
    async with AsyncTestClient(app) as client:
        ok = await client.post(
            "/api/auth/login", json={"login": worker.login, "password": PASSWORD}
        )
        bad = await client.post("/api/auth/login", json={"login": worker.login, "password": "no"})
    assert ok.status_code == 200, ok.text
    assert bad.status_code == 401
    assert seen == [0, 0]
