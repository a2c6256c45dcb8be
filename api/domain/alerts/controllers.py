"""HTTP routes for webhook subscriptions and the event log."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, Response, delete, get, post
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from api.config import Settings
from api.db.models import Role
from api.domain.alerts import services
from api.domain.alerts.outbox import KIND_PATTERN
from api.domain.alerts.schemas import (
    DeliveryPage,
    EventPage,
    WebhookIn,
    WebhookOut,
    WebhookPage,
)
from api.lib.authz import allow
from api.lib.context import Actor
from api.lib.idempotency import create_response
from api.lib.pagination import PageParams


class WebhookController(Controller):
    path = "/api/webhooks"
    tags = ["events"]

    @post(
        "/",
        opt=allow(Role.ADMIN),
        responses={200: ResponseSpec(data_container=WebhookOut, description="Replay")},
        summary="Subscribe a URL (generic JSON or a WeCom group robot) to event kinds",
    )
    async def create(
        self,
        data: JSONBody[WebhookIn],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        settings: NamedDependency[Settings],
    ) -> Response[WebhookOut]:
        async def create(session: AsyncSession, who: Actor, body: WebhookIn) -> WebhookOut:
            return await services.create_webhook(session, who, body, settings)

        return await create_response(
            db_session, actor, scope="webhook", data=data, create=create, out=WebhookOut
        )

    @get("/", opt=allow(Role.ADMIN), summary="The company's webhooks")
    async def list(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        page: NamedDependency[PageParams],
    ) -> WebhookPage:
        items, total = await services.list_webhooks(db_session, actor, page)
        return page.of(items, total)

    @delete("/{webhook_id:uuid}", opt=allow(Role.ADMIN), summary="Remove a webhook")
    async def remove(
        self,
        webhook_id: FromPath[uuid.UUID],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
    ) -> None:
        await services.delete_webhook(db_session, actor, webhook_id)

    @get(
        "/{webhook_id:uuid}/deliveries",
        opt=allow(Role.ADMIN),
        summary="What was sent to a webhook and how the receiver answered",
    )
    async def deliveries(
        self,
        webhook_id: FromPath[uuid.UUID],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        page: NamedDependency[PageParams],
    ) -> DeliveryPage:
        items, total = await services.list_deliveries(db_session, actor, webhook_id, page)
        return page.of(items, total)


class EventController(Controller):
    path = "/api/events"
    tags = ["events"]

    @get(
        "/",
        opt=allow(Role.ADMIN, Role.MANAGER),
        summary="Alerts published by every area (absences, overdue maintenance, ...)",
    )
    async def list(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        page: NamedDependency[PageParams],
        kind: Annotated[str | None, QueryParameter(pattern=KIND_PATTERN, max_length=64)] = None,
        site_id: FromQuery[uuid.UUID | None] = None,
    ) -> EventPage:
        items, total = await services.list_events(db_session, actor, page, kind, site_id)
        return page.of(items, total)
