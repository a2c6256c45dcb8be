"""Login throttling shared by all API replicas (kept in PostgreSQL, not in memory).

Failures are counted per key (the login name, and separately the client IP) in a fixed
window; at the limit the key is locked until the window ends. The counters live in
their own short transactions because the login request itself ends in a 401, which
rolls the request's transaction back.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from api.db.models import LoginThrottle
from api.db.models.base import utcnow
from api.lib.errors import RateLimited

# An office NAT or a site's shared Wi-Fi puts a whole crew behind one address.
IP_LIMIT_FACTOR = 10


class LoginThrottler:
    def __init__(
        self,
        session_maker: Callable[[], AsyncSession],
        max_failures: int,
        window_s: int,
    ) -> None:
        self._session_maker = session_maker
        self.max_failures = max_failures
        self.window = timedelta(seconds=window_s)

    @staticmethod
    def keys(login: str, ip: str | None) -> list[str]:
        keys = [f"login:{login.strip().lower()}"]
        if ip:
            keys.append(f"ip:{ip}")
        return keys

    def _limit(self, key: str) -> int:
        return self.max_failures * (IP_LIMIT_FACTOR if key.startswith("ip:") else 1)

    async def check(self, keys: Sequence[str]) -> None:
        now = utcnow()
        async with self._session_maker() as session:
            rows = (
                await session.scalars(select(LoginThrottle).where(LoginThrottle.key.in_(keys)))
            ).all()
        locked = [r.locked_until for r in rows if r.locked_until and r.locked_until > now]
        if locked:
            wait = math.ceil((max(locked) - now).total_seconds())
            raise RateLimited(
                f"Too many failed logins; try again in {wait} s",
                headers={"Retry-After": str(wait)},
                extra={"retry_after_s": wait},
            )

    async def fail(self, keys: Sequence[str]) -> None:
        now = utcnow()
        async with self._session_maker() as session, session.begin():
            for key in keys:
                # Serialise concurrent failures for one key so none is lost.
                await session.execute(
                    insert(LoginThrottle)
                    .values(key=key, failures=0, window_started_at=now)
                    .on_conflict_do_nothing()
                )
                row = await session.scalar(
                    select(LoginThrottle).where(LoginThrottle.key == key).with_for_update()
                )
                assert row is not None
                if row.window_started_at + self.window <= now:
                    row.failures, row.window_started_at, row.locked_until = 0, now, None
                row.failures += 1
                if row.failures >= self._limit(key):
                    row.locked_until = row.window_started_at + self.window

    async def succeed(self, login_key: str) -> None:
        async with self._session_maker() as session, session.begin():
            await session.execute(delete(LoginThrottle).where(LoginThrottle.key == login_key))
