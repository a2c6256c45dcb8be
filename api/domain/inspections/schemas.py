"""Request and response shapes for inspections."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import msgspec

from api.domain.photos.schemas import PhotoOut
from api.lib.pagination import Page, schema_name

Title = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$")]
Notes = Annotated[str, msgspec.Meta(max_length=10_000)]


class InspectionIn(msgspec.Struct, forbid_unknown_fields=True):
    id: uuid.UUID
    site_id: uuid.UUID
    title: Title
    notes: Notes | None = None
    lat: float | None = None
    lon: float | None = None
    equipment_id: uuid.UUID | None = None


class InspectionOut(msgspec.Struct):
    id: uuid.UUID
    site_id: uuid.UUID
    created_by: uuid.UUID
    title: str
    notes: str | None
    lat: float | None
    lon: float | None
    equipment_id: uuid.UUID | None
    created_at: datetime
    photos: list[PhotoOut]


InspectionPage = Annotated[Page[InspectionOut], schema_name("InspectionPage")]
