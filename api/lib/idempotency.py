"""Idempotent creates by client-generated id, shared by every domain.

Phones queue writes offline and resend them from several triggers (the `online` event,
Background Sync, app start), sometimes at the same moment. The first arrival of an id
creates and stores its response; later arrivals with the same content get that response
again with 200, and with different content 409 `id_conflict`.

Races are settled by PostgreSQL: the key row is inserted with ON CONFLICT DO NOTHING
in the request's own transaction, so a concurrent duplicate blocks on the unique index
until the first transaction ends, then either sees the committed key (and replays it)
or, if the first one rolled back, inserts it and does the work itself.

A client id may also be held by a row that has no key: one created without a client id
(the server drew its id). Its table's primary key refuses the insert, and that is the
same 409 `id_conflict` as above, whichever company owns the row.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

import msgspec
from litestar import Response
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from api.db.models import IdempotencyKey
from api.lib.context import Actor
from api.lib.errors import IdConflict

UNIQUE_VIOLATION = "23505"

Out = TypeVar("Out", bound=msgspec.Struct)


@dataclass(frozen=True)
class Outcome(Generic[Out]):
    status_code: int
    body: Out

    @property
    def replayed(self) -> bool:
        return self.status_code == 200

    def response(self) -> Response[Out]:
        return Response(self.body, status_code=self.status_code)


def fingerprint(payload: Any, *extra: str) -> str:
    """A stable hash of a request's content (key order and whitespace do not matter)."""
    canonical = json.dumps(msgspec.to_builtins(payload), sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode())
    for part in extra:
        digest.update(b"\0" + part.encode())
    return digest.hexdigest()


async def create_once(
    session: AsyncSession,
    actor: Actor,
    *,
    scope: str,
    client_id: uuid.UUID,
    request_hash: str,
    create: Callable[[], Awaitable[Out]],
    out: type[Out],
) -> Outcome[Out]:
    """The create's answer, or the stored answer to the same id, read back as `out`
    (the stored JSON is what `out` encoded to, so the replay is the same bytes)."""
    inserted = await session.scalar(
        insert(IdempotencyKey)
        .values(
            id=client_id,
            company_id=actor.user.company_id,
            user_id=actor.id,
            scope=scope,
            request_hash=request_hash,
        )
        .on_conflict_do_nothing(index_elements=[IdempotencyKey.id])
        .returning(IdempotencyKey.id)
    )
    if inserted is None:
        existing = await session.scalar(
            select(IdempotencyKey)
            .where(IdempotencyKey.id == client_id)
            .execution_options(populate_existing=True)
        )
        same = (
            existing is not None
            and existing.company_id == actor.user.company_id
            and existing.scope == scope
            and existing.request_hash == request_hash
            and existing.response is not None
        )
        if not same or existing is None or existing.response is None:
            # Another company's id answers exactly like a clash: nothing leaks.
            raise _id_taken(client_id)
        return Outcome(200, msgspec.convert(existing.response, out))

    try:
        body = await create()
        # The row's own insert may still wait in the session: it fails here, not later.
        await session.flush()
    except IntegrityError as exc:
        if not _client_id_taken(exc, client_id):
            raise
        # A row made without a key (no client id: the server drew it) holds the id,
        # whichever company owns it: the same answer as a clash, and the request's
        # transaction is rolled back whole, so nothing of it is stored.
        raise _id_taken(client_id) from exc
    await session.execute(
        update(IdempotencyKey)
        .where(IdempotencyKey.id == client_id)
        .values(status_code=201, response=msgspec.to_builtins(body))
    )
    return Outcome(201, body)


def _id_taken(client_id: uuid.UUID) -> IdConflict:
    return IdConflict(f"id {client_id} was already used for different content")


def _client_id_taken(exc: IntegrityError, client_id: uuid.UUID) -> bool:
    """Whether an insert failed on a table's primary key (`pk_<table>` by the models'
    naming convention) holding the client's id, rather than on another unique rule (a
    login, a serial number: those keep their own codes) or on some other row's key."""
    driver = exc.orig.__cause__ if exc.orig is not None else None  # asyncpg's own error
    return (
        getattr(driver, "sqlstate", None) == UNIQUE_VIOLATION
        and str(getattr(driver, "constraint_name", "")).startswith("pk_")
        # "Key (id)=(...) already exists."
        and str(client_id) in str(getattr(driver, "detail", ""))
    )


class ClientIdentified(Protocol):
    """A create payload that may carry the client-generated `id` of an offline write."""

    @property
    def id(self) -> uuid.UUID | None: ...


P = TypeVar("P", bound=ClientIdentified)


async def create_response(
    session: AsyncSession,
    actor: Actor,
    *,
    scope: str,
    data: P,
    create: Callable[[AsyncSession, Actor, P], Awaitable[Out]],
    out: type[Out],
) -> Response[Out]:
    """201 for a plain create; with a client id, the idempotent create_once answer."""
    if data.id is None:
        return Response(await create(session, actor, data), status_code=201)
    outcome = await create_once(
        session,
        actor,
        scope=scope,
        client_id=data.id,
        request_hash=fingerprint(data),
        create=lambda: create(session, actor, data),
        out=out,
    )
    return outcome.response()
