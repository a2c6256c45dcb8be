"""Webhook delivery jobs: one job per (event, webhook), retried with exponential backoff,
and a sweeper that queues deliveries nobody queued (see api/domain/alerts/outbox.py)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from datetime import timedelta

import procrastinate
from procrastinate.job_context import JobContext
from sqlalchemy import select, text, update

from api.db.models import DeliveryStatus, Event, Webhook, WebhookDelivery
from api.db.models.base import utcnow
from api.domain.alerts.webhooks import (
    DESTINATION_NOT_ALLOWED,
    DestinationRefused,
    EventMessage,
    build_request,
    send,
)
from api.jobs.enqueue import enqueue_locked
from api.jobs.runtime import job_runtime

log = logging.getLogger(__name__)

blueprint = procrastinate.Blueprint()

# Retries wait 4 s, 16 s, 1 min, 4 min, 17 min, 68 min, 4.5 h: a receiver down for a
# deploy or a night still gets the message; after about 6 hours it is marked failed.
MAX_RETRIES = 7
# Deliveries queued by their publisher get this long before the sweeper steps in.
SWEEP_GRACE = timedelta(seconds=30)
SWEEP_BATCH = 500


class DeliveryFailed(Exception):
    """The receiver did not take the message; procrastinate retries the job."""


@blueprint.task(
    name="events.deliver",
    pass_context=True,
    retry=procrastinate.RetryStrategy(max_attempts=MAX_RETRIES, exponential_wait=4),
)
async def deliver(context: JobContext, delivery_id: str) -> str:
    rt = job_runtime()
    ident = uuid.UUID(delivery_id)
    async with rt.session() as session:
        row = (
            await session.execute(
                select(WebhookDelivery, Event, Webhook)
                .join(Event, Event.id == WebhookDelivery.event_id)
                .join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
                .where(WebhookDelivery.id == ident)
            )
        ).one_or_none()
    if row is None:
        return "gone"  # the webhook was deleted meanwhile
    delivery, event, hook = row
    if delivery.status is not DeliveryStatus.PENDING:
        return delivery.status.value
    message = EventMessage(
        id=str(event.id),
        kind=event.kind,
        company_id=str(event.company_id),
        site_id=str(event.site_id) if event.site_id else None,
        created_at=event.created_at,
        payload=event.payload,
    )
    body, headers = build_request(message, hook.format, hook.secret, delivery_id)
    # Hold no transaction while waiting on someone else's server.
    final = context.job is not None and context.job.attempts >= MAX_RETRIES
    try:
        result = await send(
            hook.url, body, headers, hook.format, allow_private=rt.settings.webhooks.allow_private
        )
    except DestinationRefused as exc:
        # The tenant sees that it was refused, not what the name resolved to.
        await _record(ident, DeliveryStatus.FAILED, None, DESTINATION_NOT_ALLOWED)
        log.warning("webhook delivery %s refused: %s", delivery_id, exc)
        return "refused"
    if result.ok:
        await _record(ident, DeliveryStatus.DELIVERED, result.status_code, None)
        return "delivered"
    status = DeliveryStatus.FAILED if final else DeliveryStatus.PENDING
    await _record(ident, status, result.status_code, result.error)
    if final:
        log.warning("webhook delivery %s failed for good: %s", delivery_id, result.error)
        return "failed"
    raise DeliveryFailed(result.error or "delivery failed")


async def _record(
    ident: uuid.UUID, status: DeliveryStatus, status_code: int | None, error: str | None
) -> None:
    rt = job_runtime()
    async with rt.session() as session:
        await session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id == ident)
            .values(
                status=status,
                attempts=WebhookDelivery.attempts + 1,
                last_status_code=status_code,
                last_error=error,
                delivered_at=utcnow() if status is DeliveryStatus.DELIVERED else None,
                updated_at=utcnow(),
            )
        )
        await session.commit()


@blueprint.periodic(cron="* * * * *")
@blueprint.task(name="events.sweep", queueing_lock="events.sweep")
async def sweep(timestamp: int) -> int:
    """Queue deliveries that were never tried: their publisher did not queue them or
    died between its commit and queueing. Tried ones belong to their job's retries."""
    rt = job_runtime()
    async with rt.session() as session:
        ids = list(
            await session.scalars(
                select(WebhookDelivery.id)
                .where(
                    WebhookDelivery.status == DeliveryStatus.PENDING,
                    WebhookDelivery.attempts == 0,
                    WebhookDelivery.created_at < utcnow() - SWEEP_GRACE,
                    # Not while a job for it waits or runs (its first try may be late
                    # in a busy queue, and two jobs would fight over the retry).
                    text(
                        "NOT EXISTS (SELECT 1 FROM procrastinate_jobs j"
                        " WHERE j.lock = 'webhook_delivery:' || webhook_deliveries.id"
                        " AND j.status IN ('todo', 'doing'))"
                    ),
                )
                .order_by(WebhookDelivery.created_at)
                .limit(SWEEP_BATCH)
            )
        )
    return queue_deliveries(ids)


def queue_deliveries(ids: Iterable[uuid.UUID]) -> int:
    """Ask for one `deliver` job per delivery, deferred after the caller's commit;
    return how many were asked for."""
    asked = 0
    for delivery_id in ids:
        lock = f"webhook_delivery:{delivery_id}"
        # `lock`: never two attempts of one delivery at once; `queueing_lock`: never
        # two waiting in the queue (the sweeper and the publisher may both ask).
        enqueue_locked(deliver, lock=lock, queueing_lock=lock)(delivery_id=str(delivery_id))
        asked += 1
    return asked
