"""Events: alerts any area publishes (absence, overdue maintenance, rectifications), and
their fan-out to the company's webhooks.

`publish` runs inside the caller's transaction and writes the event plus one pending
delivery row per matching webhook, so the alert and its deliveries exist exactly when
the change that caused them was committed (a transactional outbox). Sending happens in
jobs (`events.deliver`, one per delivery, retried with backoff):

- the caller may queue them at once: `commit_and_deliver(session, request.app.state.jobs)`
  in a request handler, `defer_pending(session)` after its own commit in a job;
- a sweeper (`events.sweep`, every minute) queues any delivery nobody has tried yet,
  so a caller that forgets, or a process that dies between commit and queueing,
  delays a message by a minute instead of losing it.

A `dedupe_key` makes publishing idempotent per company: a periodic job that finds the
same absence streak every hour publishes it once (`publish` returns None after that).
Concurrent publishers of one key are settled by the unique index.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from procrastinate.exceptions import AlreadyEnqueued
from sqlalchemy import any_, literal, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from api.db.models import DeliveryStatus, Event, Webhook, WebhookDelivery

if TYPE_CHECKING:
    from api.jobs.queue import JobQueue

log = logging.getLogger(__name__)

DELIVER_TASK = "events.deliver"
# Event kinds are dotted snake_case names: "attendance.absent", "equipment.overdue".
KIND_PATTERN = r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$"
WILDCARD = "*"
_KIND = re.compile(KIND_PATTERN)
_PENDING = "sitecheck.pending_webhook_deliveries"


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
    readable chat message (see api/lib/webhooks.py).
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
    session.info.setdefault(_PENDING, []).extend(ids)
    return event


async def commit_and_deliver(session: AsyncSession, jobs: JobQueue) -> int:
    """For request handlers that published: commit now (deliveries must never see an
    event that could still roll back), then queue its deliveries."""
    await session.commit()
    return await defer_pending(session, jobs)


async def defer_pending(session: AsyncSession, jobs: JobQueue | None = None) -> int:
    """After the caller's commit: queue the deliveries its `publish` calls created.

    Request handlers pass `request.app.state.jobs` (the API opens the queue lazily);
    jobs run where it is open already. Returns how many were queued; a failure is
    logged, not raised, because the sweeper queues whatever this missed.
    """
    ids: list[uuid.UUID] = session.info.pop(_PENDING, [])
    if not ids:
        return 0
    try:
        if jobs is not None:
            await jobs.ensure_open()
        return await defer_deliveries(ids)
    except Exception:
        log.warning(
            "queueing %d webhook deliveries failed; the sweeper will", len(ids), exc_info=True
        )
        return 0


async def defer_deliveries(ids: Iterable[uuid.UUID]) -> int:
    # Imported here: the job app imports every area's tasks, and those import this module.
    from api.jobs.app import find_task

    task = find_task(DELIVER_TASK)
    queued = 0
    for delivery_id in ids:
        lock = f"webhook_delivery:{delivery_id}"
        try:
            # `lock`: never two attempts of one delivery at once; `queueing_lock`: never
            # two waiting in the queue (the sweeper and the publisher may both try).
            await task.configure(lock=lock, queueing_lock=lock).defer_async(
                delivery_id=str(delivery_id)
            )
        except AlreadyEnqueued:
            continue
        queued += 1
    return queued
