"""The audit trail: every write records who, what, when, from where, before and after.

Services call `record` inside the request's transaction, so an audit row exists exactly
when the change it describes was committed.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import date, datetime, time
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncSession

from api.db.models import AuditEntry, Base
from api.lib.context import Actor

# Never copied into the audit trail, whatever the entity.
_REDACTED_FIELDS = frozenset({"password_hash", "face_templates", "template"})


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    # Geometry and other driver objects: their text form is enough for a human reader.
    return str(value)


def snapshot(obj: Base, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """The column values of an ORM object as JSON, with secrets left out."""
    mapper = inspect(obj.__class__)
    data = {
        attr.key: _jsonable(getattr(obj, attr.key))
        for attr in mapper.column_attrs
        if attr.key not in _REDACTED_FIELDS
    }
    if overrides:
        data.update({k: _jsonable(v) for k, v in overrides.items()})
    return data


async def record(
    session: AsyncSession,
    actor: Actor | None,
    *,
    action: str,
    entity: str,
    entity_id: object,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    company_id: uuid.UUID | None = None,
) -> None:
    session.add(
        AuditEntry(
            company_id=company_id if company_id is not None else _company_of(actor),
            actor_id=actor.id if actor else None,
            actor_role=actor.role.value if actor else None,
            action=action,
            entity=entity,
            entity_id=str(entity_id),
            before=before,
            after=after,
            ip=actor.ip if actor else None,
            device_id=actor.device_id if actor else None,
            request_id=actor.request_id if actor else None,
        )
    )


async def add_and_record(
    session: AsyncSession,
    actor: Actor | None,
    row: Base,
    *,
    entity: str,
    action: str = "create",
    entity_id: object | None = None,
    extra: dict[str, Any] | None = None,
    company_id: uuid.UUID | None = None,
    flush: Callable[[], Awaitable[object]] | None = None,
) -> None:
    """Store a new row and record it: add, flush (through `flush` where the caller turns
    a unique clash into its own error), then the audit entry with the row as it now is
    (defaults filled in), plus `extra`. The entry names the row itself unless
    `entity_id` names what the row belongs to."""
    session.add(row)
    await (flush() if flush is not None else session.flush())
    await record(
        session,
        actor,
        action=action,
        entity=entity,
        entity_id=entity_id if entity_id is not None else _primary_key(row),
        after=snapshot(row, extra),
        company_id=company_id,
    )


def _primary_key(row: Base) -> object:
    identity = inspect(row).identity
    if identity is None:
        raise ValueError(f"{row!r} has no primary key after its flush")
    return identity[0] if len(identity) == 1 else identity


def _company_of(actor: Actor | None) -> uuid.UUID | None:
    return actor.user.company_id if actor else None
