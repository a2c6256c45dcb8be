"""The cache of token owners: how long an entry is trusted, and what drops it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from litestar.security.jwt import Token

from api.db.models import Role, User
from api.server.principals import PrincipalCache, TokenRevoked, check_token_current, end_tokens


def _user() -> User:
    return User(id=uuid.uuid4(), company_id=uuid.uuid4(), role=Role.WORKER, is_active=True)


class Loader:
    def __init__(self, user: User | None) -> None:
        self.user = user
        self.calls = 0

    async def __call__(self) -> User | None:
        self.calls += 1
        return self.user


async def test_entries_are_reused_until_they_expire() -> None:
    now = [1000.0]
    cache = PrincipalCache(ttl_s=5, clock=lambda: now[0])
    user = _user()
    load = Loader(user)
    assert await cache.get(user.id, load) is user
    now[0] += 4.9
    assert await cache.get(user.id, load) is user
    assert load.calls == 1
    now[0] += 0.2
    assert await cache.get(user.id, load) is user
    assert load.calls == 2


async def test_forget_and_clear_force_a_reload() -> None:
    cache = PrincipalCache(ttl_s=60)
    user = _user()
    load = Loader(user)
    await cache.get(user.id, load)
    cache.forget(user.id)
    await cache.get(user.id, load)
    cache.clear()
    await cache.get(user.id, load)
    assert load.calls == 3


async def test_unknown_users_are_cached_too_and_zero_ttl_disables() -> None:
    cache = PrincipalCache(ttl_s=60)
    missing = Loader(None)
    uid = uuid.uuid4()
    assert await cache.get(uid, missing) is None
    assert await cache.get(uid, missing) is None
    assert missing.calls == 1
    off = PrincipalCache(ttl_s=0)
    user = _user()
    load = Loader(user)
    for _ in range(3):
        assert await off.get(user.id, load) is user
    assert load.calls == 3


async def test_size_is_bounded() -> None:
    cache = PrincipalCache(ttl_s=60, maxsize=2)
    users = [_user() for _ in range(3)]
    loads = [Loader(u) for u in users]
    for u, load in zip(users, loads, strict=True):
        await cache.get(u.id, load)
    await cache.get(users[0].id, loads[0])  # evicted as the oldest: loaded again
    assert loads[0].calls == 2
    await cache.get(users[2].id, loads[2])
    assert loads[2].calls == 1


def _token(**extras: object) -> Token:
    return Token(sub=str(uuid.uuid4()), exp=datetime.now(UTC) + timedelta(hours=1), extras=extras)


def test_a_token_is_current_only_under_its_users_token_version() -> None:
    user = _user()
    user.token_version = 0
    # Issued before versions existed: no claim reads as 0, so the upgrade signs no one out.
    check_token_current(user, _token())
    check_token_current(user, _token(tv=0))
    end_tokens(user)
    for stale in (_token(), _token(tv=0), _token(tv=True), _token(tv="1"), _token(tv=2)):
        with pytest.raises(TokenRevoked):
            check_token_current(user, stale)
    check_token_current(user, _token(tv=1))
