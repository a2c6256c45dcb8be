"""Request and response shapes for punches and attendance reports."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Annotated, Any

import msgspec
from litestar.datastructures import UploadFile

from api.db.models import PunchKind, PunchStatus
from api.lib.dates import TimesInRange
from api.lib.pagination import Page, schema_name
from api.server.openapi_docs import REQUIRED_PART

DeviceId = Annotated[
    str, msgspec.Meta(min_length=1, max_length=128, pattern=r"^[^\x00-\x1f\x7f]+$")
]
# Notes may span lines, but never carry NUL or other control characters.
Note = Annotated[
    str, msgspec.Meta(max_length=1000, pattern=r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$")
]


class PunchMeta(TimesInRange, forbid_unknown_fields=True):
    """The `meta` part of a punch upload, as the phone captured it."""

    id: uuid.UUID
    site_id: uuid.UUID
    kind: PunchKind
    lat: float
    lon: float
    # Metres, the radius of the phone's 68% confidence circle.
    accuracy_m: Annotated[float, msgspec.Meta(ge=0, le=100_000)]
    # With an offset: a phone's local time without one is ambiguous.
    captured_at: Annotated[datetime, msgspec.Meta(tz=True)]
    device_id: DeviceId


@dataclass
class PunchForm:
    """multipart/form-data: `meta` (a JSON string, see PunchMeta) and `selfie` (image)."""

    meta: str | None = field(default=None, metadata=REQUIRED_PART)
    selfie: UploadFile | None = field(default=None, metadata=REQUIRED_PART)


class PunchOut(msgspec.Struct):
    id: uuid.UUID
    user_id: uuid.UUID
    site_id: uuid.UUID
    kind: PunchKind
    status: PunchStatus
    reasons: list[str]
    checks: dict[str, Any]
    captured_at: datetime
    received_at: datetime
    # Seconds between capture and arrival: how long the punch waited offline.
    age_s: int
    lat: float
    lon: float
    accuracy_m: float
    device_id: str
    cosigned_by: uuid.UUID | None = None
    cosigned_at: datetime | None = None
    reviewed_by: uuid.UUID | None = None
    reviewed_at: datetime | None = None
    review_note: str | None = None
    # A short-lived link for reviewers (lists and reads only; never in a stored reply).
    selfie_url: str | None = None
    # Server-side milliseconds per stage (only in the reply to the upload).
    timings_ms: dict[str, float] | None = None


PunchPage = Annotated[Page[PunchOut], schema_name("PunchPage")]


class CosignIn(msgspec.Struct, forbid_unknown_fields=True):
    note: Note | None = None


class ReviewDecision(enum.StrEnum):
    ACCEPT = "accept"
    REJECT = "reject"


class ReviewIn(msgspec.Struct, forbid_unknown_fields=True):
    decision: ReviewDecision
    note: Note | None = None


class DayStatus(enum.StrEnum):
    PRESENT = "present"
    LATE = "late"
    ABSENT = "absent"
    ANOMALY = "anomaly"


class DailyRow(msgspec.Struct):
    user_id: uuid.UUID
    name: str
    crew_id: uuid.UUID | None
    status: DayStatus
    # In the site's timezone.
    first_in: datetime | None
    last_out: datetime | None
    worked_minutes: int
    late_minutes: int
    punches: int
    # Why a row is an anomaly: in_review, rejected_punch, missing_in, missing_out.
    anomalies: list[str]


class DailyBoard(msgspec.Struct):
    site_id: uuid.UUID
    date: date
    timezone: str
    shift_start: time
    grace_min: int
    working_day: bool
    counts: dict[str, int]
    rows: list[DailyRow]


class ExportFormat(enum.StrEnum):
    CSV = "csv"
    XLSX = "xlsx"
