"""Request and response shapes for webhooks and events."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

import msgspec

from api.db.models import DeliveryStatus, WebhookFormat
from api.domain.alerts.outbox import KIND_PATTERN
from api.lib.pagination import Page, schema_name

# A kind to subscribe to, or "*" for all of them.
KindFilter = Annotated[
    str, msgspec.Meta(max_length=64, pattern=r"^(\*|[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*)$")
]
EventKind = Annotated[str, msgspec.Meta(max_length=64, pattern=KIND_PATTERN)]
WebhookSecret = Annotated[
    str, msgspec.Meta(min_length=16, max_length=200, pattern=r"^[\x21-\x7e]+$")
]
WebhookUrl = Annotated[str, msgspec.Meta(min_length=10, max_length=2000)]


class WebhookIn(msgspec.Struct, forbid_unknown_fields=True):
    url: WebhookUrl
    kinds: Annotated[list[KindFilter], msgspec.Meta(min_length=1, max_length=50)]
    format: WebhookFormat = WebhookFormat.JSON
    secret: WebhookSecret | None = None
    id: uuid.UUID | None = None


class WebhookOut(msgspec.Struct):
    id: uuid.UUID
    # Query values (a WeCom robot's key) are shown as ***.
    url: str
    kinds: list[str]
    format: WebhookFormat
    has_secret: bool
    created_at: datetime


WebhookPage = Annotated[Page[WebhookOut], schema_name("WebhookPage")]


class DeliveryOut(msgspec.Struct):
    id: uuid.UUID
    event_id: uuid.UUID
    kind: str
    status: DeliveryStatus
    attempts: int
    last_status_code: int | None
    last_error: str | None
    delivered_at: datetime | None
    created_at: datetime


DeliveryPage = Annotated[Page[DeliveryOut], schema_name("DeliveryPage")]


class EventOut(msgspec.Struct):
    id: uuid.UUID
    kind: str
    site_id: uuid.UUID | None
    payload: dict[str, Any]
    created_at: datetime


EventPage = Annotated[Page[EventOut], schema_name("AlertPage")]
