"""Who a token belongs to, looked up once per person every few seconds, not per request.

Every authenticated request needs the user row (role, company, crew) and both the user's
and the company's active flags. Reading them on every request was two ORM lookups, the
largest single cost of a QR scan. This cache keeps the loaded user for `ttl_s` seconds.

Staleness is bounded and local changes are immediate: any flush in this process that
changes a user or a company drops the affected entries (`watch_sessions`), and so does the
commit that makes the change visible, so an admin who deactivates a worker locks them out
at once on this replica; other replicas follow within `ttl_s`. `ttl_s = 0` turns the
cache off (every request reads the database).

A token names the user's token version (`tv`) it was issued under; a password change, a
deactivation (so also a later reactivation) and "sign out everywhere" raise the version,
so every token issued before them is refused (`token_revoked`) once the user is reloaded:
at once on the replica that made the change, within `ttl_s` on the others.

The cached `User` is detached from any session with every column loaded; request code
only reads its attributes (api/lib/context.py Actor), so sharing it is safe.
"""

from __future__ import annotations

import time
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from litestar.security.jwt import Token
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from api.db.models import Company, Crew, User
from api.lib.errors import Unauthenticated

# The claim that carries the user's token version. A token without it (issued before
# versions existed) reads as version 0, what every user starts with.
TOKEN_VERSION_CLAIM = "tv"  # noqa: S105 - a claim name, not a secret


class TokenRevoked(Unauthenticated):
    code = "token_revoked"
    title = "This token was revoked; log in again"


def token_version(token: Token) -> int:
    version = token.extras.get(TOKEN_VERSION_CLAIM, 0)
    # bool is an int too; a forged-looking claim is simply not the current version.
    return version if isinstance(version, int) and not isinstance(version, bool) else -1


def check_token_current(user: User, token: Token) -> None:
    """Refuse a token issued before the user's last password change, deactivation or
    sign-out (their token version moved on since)."""
    if token_version(token) != user.token_version:
        raise TokenRevoked("A password change, a deactivation or a sign-out ended this token")


def end_tokens(user: User) -> None:
    """End every token issued to `user` so far (the caller's flush drops the cached
    principal, see `watch_sessions`)."""
    user.token_version += 1


class PrincipalCache:
    def __init__(
        self, ttl_s: float, maxsize: int = 10_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl_s = ttl_s
        self._clock = clock
        self._maxsize = maxsize
        self._entries: OrderedDict[uuid.UUID, tuple[float, User | None]] = OrderedDict()

    async def get(
        self, user_id: uuid.UUID, load: Callable[[], Awaitable[User | None]]
    ) -> User | None:
        now = self._clock()
        entry = self._entries.get(user_id)
        if entry is not None and entry[0] > now:
            return entry[1]
        user = await load()
        if self.ttl_s > 0:
            self._entries[user_id] = (now + self.ttl_s, user)
            self._entries.move_to_end(user_id)
            if len(self._entries) > self._maxsize:
                self._entries.popitem(last=False)
        return user

    def forget(self, user_id: uuid.UUID) -> None:
        self._entries.pop(user_id, None)

    def clear(self) -> None:
        self._entries.clear()


async def load_active_user(session: AsyncSession, user_id: uuid.UUID) -> User | None:
    """The user if both they and their company (superadmins have none) are active; one
    query, and the row detached so it can outlive the session."""
    row = (
        await session.execute(
            select(User, Company.is_active)
            .outerjoin(Company, Company.id == User.company_id)
            .where(User.id == user_id)
        )
    ).first()
    if row is None:
        return None
    user, company_active = row
    session.expunge(user)
    if not user.is_active or (user.company_id is not None and not company_active):
        return None
    return user


# Keys in `Session.info` for what the commit must drop from the cache once more.
_CHANGED_USERS = "principals.changed_users"
_CLEAR_ALL = "principals.clear_all"


def watch_sessions(cache: PrincipalCache) -> Callable[[], None]:
    """Drop cache entries whenever a flush in this process touches users or companies.
    Returns a function that stops watching (one app, one cache; tests build many apps)."""

    def after_flush(session: Session, _context: Any) -> None:
        for obj in (*session.dirty, *session.deleted):
            if isinstance(obj, User):
                cache.forget(obj.id)
                # Again at commit: a request that reloaded the user between this flush and
                # the commit cached the old row (the old token version) for `ttl_s`.
                session.info.setdefault(_CHANGED_USERS, set()).add(obj.id)
            elif isinstance(obj, Company) or (isinstance(obj, Crew) and obj in session.deleted):
                # A company's flag decides for all its people, and deleting a crew empties
                # its members' crew_id in the database (ON DELETE SET NULL), unseen by the
                # ORM: start over.
                cache.clear()
                session.info[_CLEAR_ALL] = True

    def after_commit(session: Session) -> None:
        if session.info.pop(_CLEAR_ALL, False):
            cache.clear()
        for user_id in session.info.pop(_CHANGED_USERS, ()):
            cache.forget(user_id)

    def after_rollback(session: Session) -> None:
        session.info.pop(_CLEAR_ALL, None)
        session.info.pop(_CHANGED_USERS, None)

    hooks = (
        ("after_flush", after_flush),
        ("after_commit", after_commit),
        ("after_rollback", after_rollback),
    )
    for name, hook in hooks:
        event.listen(Session, name, hook)

    def stop() -> None:
        for name, hook in hooks:
            event.remove(Session, name, hook)

    return stop
