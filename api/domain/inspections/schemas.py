"""Request and response shapes for inspections and photos."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar.datastructures import UploadFile

from api.lib.openapi_docs import REQUIRED_PART
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


@dataclass
class PhotoForm:
    """A photo upload: the image `file` and a JSON `meta` string (api/lib/photos.PhotoMeta).
    Both optional here so a missing part gets its own clear 400, not a shape error."""

    file: UploadFile | None = field(default=None, metadata=REQUIRED_PART)
    meta: str | None = field(default=None, metadata=REQUIRED_PART)


class HazardOut(msgspec.Struct):
    status: str
    model: str | None
    detections: list[dict[str, Any]]
    checked_at: datetime | None = None
    error: str | None = None


class PhotoOut(msgspec.Struct):
    id: uuid.UUID
    site_id: uuid.UUID
    url: str
    thumb_url: str
    url_expires_in: int
    width: int
    height: int
    bytes: int
    sha256: str
    content_type: str
    captured_at: datetime | None
    lat: float | None
    lon: float | None
    uploaded_by: uuid.UUID
    created_at: datetime
    hazard: HazardOut


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
