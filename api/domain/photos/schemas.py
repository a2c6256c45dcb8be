"""Request and response shapes for photos."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import msgspec
from litestar.datastructures import UploadFile

from api.server.openapi_docs import REQUIRED_PART


@dataclass
class PhotoForm:
    """A photo upload: the image `file` and a JSON `meta` string (PhotoMeta in
    api/domain/photos/services.py). Both optional here so a missing part gets its own clear
    400, not a shape error."""

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
