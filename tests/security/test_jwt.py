"""Bearer tokens: only an unexpired HS256 token signed with this server's secret, naming
an active user by id, gets in. Everything else is 401 `not_authenticated`, never a 500.

tests/integration/people/test_auth.py covers the basic expired / other-key / alg=none cases;
these are the forgeries an attacker with one valid token (or none) would try next."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from datetime import timedelta
from typing import Any

import anyio
import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from api.db.models import Company, Role
from api.db.models.base import utcnow
from tests.support.factories import World


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _claims(sub: str, **extra: Any) -> dict[str, Any]:
    now = utcnow()
    return {"sub": sub, "iat": now, "exp": now + timedelta(hours=1), **extra}


async def _me(api: httpx.AsyncClient, token: str) -> httpx.Response:
    return await api.get("/api/me", headers={"Authorization": f"Bearer {token}"})


async def _assert_refused(api: httpx.AsyncClient, token: str, why: str) -> None:
    response = await _me(api, token)
    assert response.status_code == 401, (why, response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/problem+json"), why
    assert response.json()["code"] == "not_authenticated", why


async def test_the_genuine_token_works(api: httpx.AsyncClient, world: World) -> None:
    # The control: everything below differs from this token in one respect only.
    user = world.a.users[Role.WORKER]
    token = jwt.encode(_claims(str(user.id)), world.settings.auth.jwt_secret, algorithm="HS256")
    assert (await _me(api, token)).status_code == 200


async def test_a_changed_payload_breaks_the_signature(api: httpx.AsyncClient, world: World) -> None:
    """A worker's real token with its `sub` swapped for the admin's id (privilege
    escalation), and with `exp` pushed out a year (a token that never ends)."""
    worker, admin = world.a.users[Role.WORKER], world.a.users[Role.ADMIN]
    header, payload, signature = world.tokens[worker.id].split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    as_admin = {**claims, "sub": str(admin.id)}
    longer = {**claims, "exp": claims["exp"] + 365 * 24 * 3600}
    for forged, why in ((as_admin, "sub swapped"), (longer, "exp extended")):
        body = _b64(json.dumps(forged).encode())
        await _assert_refused(api, f"{header}.{body}.{signature}", why)


async def test_a_stripped_or_empty_signature_is_refused(
    api: httpx.AsyncClient, world: World
) -> None:
    header, payload, _ = world.tokens[world.a.users[Role.ADMIN].id].split(".")
    await _assert_refused(api, f"{header}.{payload}.", "empty signature")
    await _assert_refused(api, f"{header}.{payload}", "two segments")
    none_header = _b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    await _assert_refused(api, f"{none_header}.{payload}.", "alg none, no signature")
    for alg in ("None", "NONE", "nOnE"):
        spelled = _b64(json.dumps({"alg": alg, "typ": "JWT"}).encode())
        await _assert_refused(api, f"{spelled}.{payload}.", f"alg {alg}")


@pytest.mark.parametrize("algorithm", ["HS384", "HS512"])
async def test_other_hmac_algorithms_with_the_right_secret_are_refused(
    api: httpx.AsyncClient, world: World, algorithm: str
) -> None:
    """The server pins HS256: a token signed with the real secret under another HMAC is
    still not one it issued."""
    user = world.a.users[Role.ADMIN]
    token = jwt.encode(_claims(str(user.id)), world.settings.auth.jwt_secret, algorithm=algorithm)
    await _assert_refused(api, token, algorithm)


async def test_rs256_tokens_are_refused_whatever_key_they_carry(
    api: httpx.AsyncClient, world: World
) -> None:
    """Algorithm confusion: an RS256 token signed with the attacker's own key, with the
    public key offered in the header (jwk) and by URL (jku), and an HS256 token whose
    HMAC key is that public key's PEM (the classic RS/HS swap)."""
    user = world.a.users[Role.ADMIN]
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    plain = jwt.encode(_claims(str(user.id)), key, algorithm="RS256")
    with_jwk = jwt.encode(_claims(str(user.id)), key, algorithm="RS256", headers={"jwk": jwk})
    with_jku = jwt.encode(
        _claims(str(user.id)),
        key,
        algorithm="RS256",
        headers={"jku": "https://attacker.example/jwks.json", "kid": "1"},
    )
    for token, why in ((plain, "RS256"), (with_jwk, "RS256 + jwk"), (with_jku, "RS256 + jku")):
        await _assert_refused(api, token, why)
    # PyJWT refuses to HMAC-sign with a PEM key, which is the point; build it by hand.
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = _b64(json.dumps(_claims(str(user.id)), default=lambda t: int(t.timestamp())).encode())
    sig = _b64(hmac.new(public_pem, f"{header}.{body}".encode(), hashlib.sha256).digest())
    await _assert_refused(api, f"{header}.{body}.{sig}", "HS256 keyed with the public PEM")


async def test_another_secret_and_expiry_are_refused(api: httpx.AsyncClient, world: World) -> None:
    user = world.a.users[Role.ADMIN]
    secret = world.settings.auth.jwt_secret
    now = utcnow()
    cases = {
        "another secret": jwt.encode(_claims(str(user.id)), "x" * 48, algorithm="HS256"),
        "the secret with a byte changed": jwt.encode(
            _claims(str(user.id)), secret[:-1] + ("A" if secret[-1] != "A" else "B"), "HS256"
        ),
        "expired a second ago": jwt.encode(
            {
                "sub": str(user.id),
                "iat": now - timedelta(hours=1),
                "exp": now - timedelta(seconds=1),
            },
            secret,
            algorithm="HS256",
        ),
        "no exp at all": jwt.encode({"sub": str(user.id), "iat": now}, secret, algorithm="HS256"),
        "issued in the future": jwt.encode(
            _claims(str(user.id), iat=now + timedelta(hours=1), exp=now + timedelta(hours=2)),
            secret,
            algorithm="HS256",
        ),
    }
    for why, token in cases.items():
        await _assert_refused(api, token, why)


@pytest.mark.parametrize(
    "sub",
    ["admin", "", "00000000-0000-0000-0000-00000000000g", "1 OR 1=1", "' OR ''='", "x" * 5000],
)
async def test_a_sub_that_is_not_a_uuid_is_refused(
    api: httpx.AsyncClient, world: World, sub: str
) -> None:
    token = jwt.encode(_claims(sub), world.settings.auth.jwt_secret, algorithm="HS256")
    await _assert_refused(api, token, f"sub={sub[:20]!r}")


async def test_a_sub_of_a_user_that_does_not_exist_is_refused(
    api: httpx.AsyncClient, world: World
) -> None:
    """A well-signed token for a deleted user (or one never created): no row, no entry."""
    token = jwt.encode(
        _claims(str(uuid.uuid4())), world.settings.auth.jwt_secret, algorithm="HS256"
    )
    await _assert_refused(api, token, "unknown user")


async def test_a_deactivated_company_locks_its_users_out(
    api: httpx.AsyncClient, world: World, engine: AsyncEngine
) -> None:
    """Tokens already issued stop working when the user's company is switched off (the
    user row itself stays active)."""
    worker = world.a.users[Role.WORKER]
    assert (await api.get("/api/me", headers=world.headers(worker))).status_code == 200
    async with engine.begin() as conn:
        await conn.execute(
            update(Company).where(Company.id == world.a.company.id).values(is_active=False)
        )
    # Another writer than this API process: the principal cache may trust the old row
    # for up to SITECHECK_AUTH_CACHE_S seconds.
    tries = (world.settings.auth.cache_s + 3) * 2
    for _ in range(tries):
        response = await api.get("/api/me", headers=world.headers(worker))
        if response.status_code == 401:
            break
        await anyio.sleep(0.5)
    assert response.status_code == 401, "still let in after the company was switched off"
    assert response.json()["code"] == "not_authenticated"
    # Company B is untouched.
    assert (
        await api.get("/api/me", headers=world.headers(world.b.users[Role.WORKER]))
    ).status_code == 200


async def test_malformed_authorization_headers_are_401_not_500(
    api: httpx.AsyncClient, world: World
) -> None:
    token = world.tokens[world.a.users[Role.ADMIN].id]
    for value in (
        "Bearer",
        f"Basic {token}",
        f"Bearer {token} {token}",
        "Bearer " + "a" * 20000,
        "Bearer e30.e30.",
        "Bearer ..",
        f"Bearer {_b64(b'{not json')}.{_b64(b'[]')}.x",
    ):
        response = await api.get("/api/me", headers={"Authorization": value})
        assert response.status_code == 401, (value[:40], response.status_code)
        assert response.json()["code"] == "not_authenticated"
