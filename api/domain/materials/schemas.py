"""Request and response shapes of material batches and their receipts."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Annotated, Literal

import msgspec
from litestar.datastructures import UploadFile

from api.lib.dates import TimesInRange
from api.lib.pagination import Page, schema_name
from api.lib.schemas import PRINTABLE, Name
from api.server.openapi_docs import REQUIRED_PART

BatchNo = Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern=PRINTABLE)]
Unit = Annotated[str, msgspec.Meta(min_length=1, max_length=20, pattern=PRINTABLE)]
Quantity = Annotated[float, msgspec.Meta(gt=0, lt=1e11)]
Note = Annotated[str, msgspec.Meta(min_length=1, max_length=4000, pattern=r"^[^\x00]*$")]
PhotoIds = Annotated[list[uuid.UUID], msgspec.Meta(max_length=20)]


class BatchIn(TimesInRange, forbid_unknown_fields=True):
    site_id: uuid.UUID
    material: Name
    batch_no: BatchNo
    supplier: Name
    quantity: Quantity
    unit: Unit
    spec: Name | None = None
    certificate_expires_on: date | None = None
    id: uuid.UUID | None = None


class BatchCertificate(msgspec.Struct):
    state: Literal["missing", "expired", "expiring", "valid"]
    expires_on: date | None
    content_type: str | None
    bytes: int | None
    uploaded_at: datetime | None
    # A presigned download link (expires after `url_expires_in` seconds).
    url: str | None
    url_expires_in: int | None


class Received(msgspec.Struct):
    accepted: float
    rejected: float
    receipts: int


class BatchOut(msgspec.Struct):
    id: uuid.UUID
    code: str
    scan_url: str
    site_id: uuid.UUID
    site_name: str
    material: str
    spec: str | None
    batch_no: str
    supplier: str
    quantity: float
    unit: str
    certificate: BatchCertificate
    received: Received
    created_at: datetime


BatchPage = Annotated[Page[BatchOut], schema_name("BatchPage")]


@dataclass
class CertificateForm:
    """The certificate `file` (PDF, or a photo of it) and its optional `expires_on`
    (YYYY-MM-DD). Both optional here so a missing part gets its own clear 400."""

    file: UploadFile | None = field(default=None, metadata=REQUIRED_PART)
    expires_on: str | None = None


class ReceiptIn(TimesInRange, forbid_unknown_fields=True):
    quantity: Quantity
    accepted: bool
    note: Note | None = None
    # Required when the delivery is rejected.
    reason: Note | None = None
    # When the truck was checked, if the phone queued it; defaults to arrival.
    received_at: datetime | None = None
    photo_ids: PhotoIds = msgspec.field(default_factory=list)
    id: uuid.UUID | None = None


class ReceiptOut(msgspec.Struct):
    id: uuid.UUID
    batch_id: uuid.UUID
    quantity: float
    unit: str
    accepted: bool
    note: str | None
    reason: str | None
    received_by: uuid.UUID | None
    received_at: datetime
    created_at: datetime
    photo_ids: list[uuid.UUID]


ReceiptPage = Annotated[Page[ReceiptOut], schema_name("ReceiptPage")]
