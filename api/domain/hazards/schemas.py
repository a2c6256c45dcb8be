"""Request and response shapes for the review queue and rectifications."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Generic

import msgspec

from api.lib.dates import TimesInRange
from api.lib.pagination import Item, Page, schema_name

Note = Annotated[str, msgspec.Meta(max_length=4000)]


class Decision(StrEnum):
    CONFIRM = "confirm"
    DISMISS = "dismiss"


class ReviewIn(TimesInRange, forbid_unknown_fields=True):
    decision: Decision
    note: Note | None = None
    assignee_id: uuid.UUID | None = None
    due_at: datetime | None = None


class CloseIn(msgspec.Struct, forbid_unknown_fields=True):
    # The after photo (uploaded with POST /api/photos or into an inspection).
    photo_id: uuid.UUID
    note: Note
    # Close although the model still flags the after photo; the note says why. Only
    # reviewers (admin, manager, safety officer) may: 403 override_not_allowed otherwise.
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


class ModelClassOut(msgspec.Struct):
    name: str
    role: str
    threshold: float | None


class Rates(msgspec.Struct):
    # null when undefined: nothing flagged (precision) or nothing to find (recall).
    precision: float | None
    recall: float | None


class EvaluationRunOut(msgspec.Struct):
    set: str
    photos: int
    hazard_photos: int
    tiling: dict[str, Any] | None
    # Evaluated with the tiling this deployment runs (off, or the policy's grid).
    current: bool
    threshold: float
    head: Rates
    photo: Rates
    latency_ms_p50: float | None


class EvaluationOut(msgspec.Struct):
    available: bool
    # Measured under other hazard thresholds than the policy applies now.
    stale: bool
    runs: list[EvaluationRunOut]
    reason: str | None = None
    created_at: str | None = None


class LiveOut(msgspec.Struct):
    site_id: uuid.UUID | None
    confirmed: int
    dismissed: int
    open: int
    precision: float | None


class ModelOut(msgspec.Struct):
    model: str
    file: str
    shipped: bool
    classes: list[ModelClassOut]
    evaluation: EvaluationOut
    live: LiveOut


class FlaggedPage(Page[Item], Generic[Item]):
    # The model that flags these photos and how far its flags can be trusted.
    model: ModelOut | None = None


HazardPage = Annotated[FlaggedPage[HazardOut], schema_name("HazardPage")]


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


RectificationPage = Annotated[Page[RectificationOut], schema_name("RectificationPage")]


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
