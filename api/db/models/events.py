"""Events (alerts any area publishes) and the webhooks that carry them out of the system."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ARRAY,
    Enum,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from api.db.models.base import Base, Timestamps, UUIDPrimaryKey, utcnow


class WebhookFormat(enum.StrEnum):
    JSON = "json"
    # WeCom (企业微信) group robot: {"msgtype": "markdown", "markdown": {"content": ...}}.
    WECOM = "wecom"


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


def _values(e: type[enum.Enum]) -> list[str]:
    return [str(m.value) for m in e]


class Event(UUIDPrimaryKey, Base):
    """Something worth telling people about. `dedupe_key` makes an alert idempotent: a
    periodic job that finds the same absence streak again publishes nothing new."""

    __tablename__ = "events"
    __table_args__ = (
        # NULL keys never collide, so events without one are always stored.
        UniqueConstraint("company_id", "dedupe_key", name="uq_events_company_dedupe"),
        Index("ix_events_company_created", "company_id", "created_at"),
        Index("ix_events_company_kind", "company_id", "kind"),
    )

    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id"))
    site_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("sites.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    dedupe_key: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now(), default=utcnow)


class Webhook(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "webhooks"

    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    # Event kinds to send, or ["*"] for every kind.
    kinds: Mapped[list[str]] = mapped_column(ARRAY(String(64)))
    format: Mapped[WebhookFormat] = mapped_column(
        Enum(WebhookFormat, name="webhook_format", values_callable=_values)
    )
    # The HMAC key the receiver shares with us; never returned by the API.
    secret: Mapped[str | None] = mapped_column(String(200))
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )


class WebhookDelivery(UUIDPrimaryKey, Timestamps, Base):
    """One event to one webhook: the unit a delivery job retries."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("event_id", "webhook_id", name="uq_webhook_deliveries_event_webhook"),
        Index("ix_webhook_deliveries_webhook_created", "webhook_id", "created_at"),
    )

    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id"))
    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    webhook_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("webhooks.id", ondelete="CASCADE"))
    status: Mapped[DeliveryStatus] = mapped_column(
        Enum(DeliveryStatus, name="delivery_status", values_callable=_values),
        default=DeliveryStatus.PENDING,
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_status_code: Mapped[int | None] = mapped_column(SmallInteger)
    last_error: Mapped[str | None] = mapped_column(String(500))
    delivered_at: Mapped[datetime | None]
