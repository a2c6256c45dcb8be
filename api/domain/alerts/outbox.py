"""The alert outbox: alerts any area publishes (absence, overdue maintenance,
rectifications) and their fan-out to the company's webhooks.

`publish` runs inside the caller's transaction and writes the event plus one pending
delivery row per matching webhook, so the alert and its deliveries exist exactly when
the change that caused them was committed (a transactional outbox). Sending happens in
jobs (`events.deliver`, one per delivery, retried with backoff, api/domain/alerts/jobs.py):

- `publish` asks for them through the request's or job's queue (api/jobs/enqueue.py),
  deferred once the caller's transaction has committed;
- a sweeper (`events.sweep`, every minute) queues any delivery nobody has tried yet,
  so a process that dies between commit and queueing (or a caller outside any request
  or job) delays a message by a minute instead of losing it.

A `dedupe_key` makes publishing idempotent per company: a periodic job that finds the
same absence streak every hour publishes it once (`publish` returns None after that).
Concurrent publishers of one key are settled by the unique index.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from sqlalchemy import any_, literal, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from api.db.models import DeliveryStatus, Event, Webhook, WebhookDelivery
from api.domain.alerts.jobs import queue_deliveries

# Event kinds are dotted snake_case names: "attendance.absent", "equipment.overdue".
KIND_PATTERN = r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$"
WILDCARD = "*"
_KIND = re.compile(KIND_PATTERN)


async def publish(
    session: AsyncSession,
    *,
    company_id: uuid.UUID,
    kind: str,
    payload: dict[str, Any],
    site_id: uuid.UUID | None = None,
    dedupe_key: str | None = None,
) -> Event | None:
    """Store an event and its pending webhook deliveries in the caller's transaction.

    Returns the new event, or None when `dedupe_key` was already published for this
    company. `payload` must be JSON; give it `title` and `summary` strings for a
    readable chat message (see api/domain/alerts/webhooks.py).
    """
    if not _KIND.fullmatch(kind) or len(kind) > 64:
        raise ValueError(f"event kind {kind!r} must be dotted snake_case (at most 64 chars)")
    if dedupe_key is not None and not 0 < len(dedupe_key) <= 200:
        raise ValueError("dedupe_key must be 1..200 characters")
    event: Event | None = await session.scalar(
        insert(Event)
        .values(
            id=uuid.uuid4(),
            company_id=company_id,
            site_id=site_id,
            kind=kind,
            payload=payload,
            dedupe_key=dedupe_key,
        )
        .on_conflict_do_nothing(constraint="uq_events_company_dedupe")
        .returning(Event)
    )
    if event is None:
        return None
    hooks = await session.scalars(
        select(Webhook.id).where(
            Webhook.company_id == company_id,
            or_(literal(kind) == any_(Webhook.kinds), literal(WILDCARD) == any_(Webhook.kinds)),
        )
    )
    ids = []
    for webhook_id in hooks:
        delivery_id = uuid.uuid4()
        session.add(
            WebhookDelivery(
                id=delivery_id,
                company_id=company_id,
                event_id=event.id,
                webhook_id=webhook_id,
                status=DeliveryStatus.PENDING,
                attempts=0,
            )
        )
        ids.append(delivery_id)
    await session.flush()
    # Sent once the caller's transaction has committed (never an event that could
    # still roll back); the sweeper sends what this misses.
    queue_deliveries(ids)
    return event
