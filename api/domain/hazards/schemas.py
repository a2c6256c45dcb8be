"""Request and response shapes for the review queue and rectifications."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

import msgspec

Note = Annotated[str, msgspec.Meta(max_length=4000)]


class Decision(StrEnum):
    CONFIRM = "confirm"
    DISMISS = "dismiss"


class ReviewIn(msgspec.Struct, forbid_unknown_fields=True):
    decision: Decision
    note: Note | None = None
    assignee_id: uuid.UUID | None = None
    due_at: datetime | None = None


class CloseIn(msgspec.Struct, forbid_unknown_fields=True):
    # The after photo (uploaded with POST /api/photos or into an inspection).
    photo_id: uuid.UUID
    note: Note
    # Close although the model still flags the after photo; the note says why.
    override: bool = False


class HazardOut(msgspec.Struct):
    id: uuid.UUID
    site_id: uuid.UUID
    status: str
    model: str
    top_score: float
    created_at: datetime
    photo: dict[str, Any]
    reviewed_by: uuid.UUID | None = None
    reviewed_at: datetime | None = None
    review_note: str | None = None
    rectification_id: uuid.UUID | None = None


class HazardPage(msgspec.Struct):
    items: list[HazardOut]
    total: int
    limit: int
    offset: int


class RectificationOut(msgspec.Struct):
    id: uuid.UUID
    site_id: uuid.UUID
    hazard_id: uuid.UUID
    status: str
    assignee_id: uuid.UUID | None
    due_at: datetime
    overdue: bool
    note: str | None
    created_by: uuid.UUID
    created_at: datetime
    after_photo_id: uuid.UUID | None = None
    close_note: str | None = None
    override: bool = False
    closed_by: uuid.UUID | None = None
    closed_at: datetime | None = None
    refused_reason: str | None = None


class RectificationPage(msgspec.Struct):
    items: list[RectificationOut]
    total: int
    limit: int
    offset: int


class ModelPrecision(msgspec.Struct):
    model: str
    confirmed: int
    dismissed: int
    open: int
    # confirmed / (confirmed + dismissed); null while nothing is reviewed.
    precision: float | None


class SitePrecision(msgspec.Struct):
    site_id: uuid.UUID
    site_name: str
    confirmed: int
    dismissed: int
    open: int
    precision: float | None
    models: list[ModelPrecision]


class PrecisionOut(msgspec.Struct):
    items: list[SitePrecision]
    since: datetime | None = None
    until: datetime | None = None
