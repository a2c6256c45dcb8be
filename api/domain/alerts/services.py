"""Webhook subscriptions (company admins) and the event log (admins and managers)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ColumnElement, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.config import Settings
from api.db.models import Event, Role, Site, Webhook, WebhookDelivery
from api.domain.alerts.schemas import DeliveryOut, EventOut, WebhookIn, WebhookOut
from api.domain.alerts.webhooks import check_url, redact_url
from api.lib import audit
from api.lib.authz import visible_sites
from api.lib.context import Actor
from api.lib.errors import NotFound
from api.lib.pagination import PageParams, fetch_page


def webhook_out(hook: Webhook) -> WebhookOut:
    return WebhookOut(
        id=hook.id,
        url=redact_url(hook.url),
        kinds=list(hook.kinds),
        format=hook.format,
        has_secret=hook.secret is not None,
        created_at=hook.created_at,
    )


def _redacted(hook: Webhook) -> dict[str, Any]:
    # The robot key in the URL and the HMAC secret never enter the audit trail.
    return {"url": redact_url(hook.url), "secret": hook.secret is not None}


def _audit_view(hook: Webhook) -> dict[str, Any]:
    return audit.snapshot(hook, _redacted(hook))


async def create_webhook(
    session: AsyncSession, actor: Actor, data: WebhookIn, settings: Settings
) -> WebhookOut:
    check_url(data.url, allow_private=settings.webhooks.allow_private)
    hook = Webhook(
        id=data.id or uuid.uuid4(),
        company_id=actor.company_id,
        url=data.url,
        kinds=sorted(set(data.kinds)),
        format=data.format,
        secret=data.secret,
        created_by=actor.id,
    )
    await audit.add_and_record(session, actor, hook, entity="webhook", extra=_redacted(hook))
    return webhook_out(hook)


async def list_webhooks(
    session: AsyncSession, actor: Actor, page: PageParams
) -> tuple[list[WebhookOut], int]:
    query = (
        select(Webhook)
        .where(Webhook.company_id == actor.company_id)
        .order_by(Webhook.created_at.desc(), Webhook.id)
    )
    hooks, total = await fetch_page(session, query, page)
    return [webhook_out(h) for h in hooks], total


async def _company_webhook(session: AsyncSession, actor: Actor, webhook_id: uuid.UUID) -> Webhook:
    hook = await session.scalar(
        select(Webhook).where(Webhook.id == webhook_id, Webhook.company_id == actor.company_id)
    )
    if hook is None:
        raise NotFound("No such webhook", code="webhook_not_found")
    return hook


async def delete_webhook(session: AsyncSession, actor: Actor, webhook_id: uuid.UUID) -> None:
    hook = await _company_webhook(session, actor, webhook_id)
    before = _audit_view(hook)
    # Its deliveries go with it (ON DELETE CASCADE); a queued delivery job finds nothing.
    await session.execute(delete(Webhook).where(Webhook.id == hook.id))
    await audit.record(
        session, actor, action="delete", entity="webhook", entity_id=webhook_id, before=before
    )


async def list_deliveries(
    session: AsyncSession, actor: Actor, webhook_id: uuid.UUID, page: PageParams
) -> tuple[list[DeliveryOut], int]:
    await _company_webhook(session, actor, webhook_id)
    query = (
        select(WebhookDelivery)
        .where(WebhookDelivery.webhook_id == webhook_id)
        .order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id)
    )
    deliveries, total = await fetch_page(session, query, page)
    rows = await session.execute(
        select(Event.id, Event.kind).where(Event.id.in_({d.event_id for d in deliveries}))
    )
    kinds = {event_id: kind for event_id, kind in rows}
    items = [
        DeliveryOut(
            id=d.id,
            event_id=d.event_id,
            kind=kinds[d.event_id],
            status=d.status,
            attempts=d.attempts,
            last_status_code=d.last_status_code,
            last_error=d.last_error,
            delivered_at=d.delivered_at,
            created_at=d.created_at,
        )
        for d in deliveries
    ]
    return items, total


def _visible_events(actor: Actor) -> ColumnElement[bool]:
    in_company = Event.company_id == actor.company_id
    if actor.role is Role.ADMIN:
        return in_company
    # Managers see the events of their sites; company-wide ones are for admins.
    return in_company & Event.site_id.in_(select(Site.id).where(visible_sites(actor)))


async def list_events(
    session: AsyncSession,
    actor: Actor,
    page: PageParams,
    kind: str | None,
    site_id: uuid.UUID | None,
) -> tuple[list[EventOut], int]:
    query = select(Event).where(_visible_events(actor))
    if kind is not None:
        query = query.where(Event.kind == kind)
    if site_id is not None:
        query = query.where(Event.site_id == site_id)
    events, total = await fetch_page(
        session, query.order_by(Event.created_at.desc(), Event.id), page
    )
    return [
        EventOut(
            id=e.id, kind=e.kind, site_id=e.site_id, payload=e.payload, created_at=e.created_at
        )
        for e in events
    ], total
