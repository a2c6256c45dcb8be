"""The audit trail, read-only, for company admins."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromQuery, QueryParameter
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.db.models import AuditEntry, Role
from api.lib.authz import allow
from api.lib.context import Actor
from api.lib.dates import instant_query, parse_instant
from api.lib.pagination import Page, PageParams, fetch_page, schema_name
from api.lib.schemas import PRINTABLE


class AuditOut(msgspec.Struct):
    id: int
    at: datetime
    actor_id: uuid.UUID | None
    actor_role: str | None
    action: str
    entity: str
    entity_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    ip: str | None
    device_id: str | None
    request_id: str | None


AuditPage = Annotated[Page[AuditOut], schema_name("AuditPage")]


# Entity names and ids are printable (ids are UUIDs or codes); a control character can
# only be a mistake, and PostgreSQL cannot hold a NUL at all.
_ENTITY_FILTER = QueryParameter(min_length=1, max_length=64, pattern=PRINTABLE)


class AuditController(Controller):
    path = "/api/audit"
    tags = ["audit"]

    @get("/", opt=allow(Role.ADMIN), summary="Who did what, when (newest first)")
    async def list(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        page: NamedDependency[PageParams],
        entity: Annotated[str | None, _ENTITY_FILTER] = None,
        entity_id: Annotated[str | None, _ENTITY_FILTER] = None,
        actor_id: FromQuery[uuid.UUID | None] = None,
        from_raw: Annotated[str | None, instant_query("from")] = None,
        to_raw: Annotated[str | None, instant_query("to")] = None,
    ) -> AuditPage:
        from_ = parse_instant(from_raw, "from")
        to = parse_instant(to_raw, "to")
        query = (
            select(AuditEntry)
            .where(AuditEntry.company_id == actor.company_id)
            .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        )
        if entity:
            query = query.where(AuditEntry.entity == entity)
        if entity_id:
            query = query.where(AuditEntry.entity_id == entity_id)
        if actor_id:
            query = query.where(AuditEntry.actor_id == actor_id)
        if from_:
            query = query.where(AuditEntry.at >= from_)
        if to:
            query = query.where(AuditEntry.at < to)
        rows, total = await fetch_page(db_session, query, page)
        items = [
            AuditOut(
                id=r.id,
                at=r.at,
                actor_id=r.actor_id,
                actor_role=r.actor_role,
                action=r.action,
                entity=r.entity,
                entity_id=r.entity_id,
                before=r.before,
                after=r.after,
                ip=r.ip,
                device_id=r.device_id,
                request_id=r.request_id,
            )
            for r in rows
        ]
        return page.of(items, total)
