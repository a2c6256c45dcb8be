"""Photos: one shared piece that inspections, hazards, rectifications, equipment events
and material receipts all point at, each through its own link table."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, SmallInteger, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from api.db.models.base import Base, Timestamps, UUIDPrimaryKey, utcnow

HAZARD_STATUSES = ("pending", "clear", "flagged", "failed")


class Photo(UUIDPrimaryKey, Timestamps, Base):
    """A normalised photo in the object store. `id` is the client's, so a resend of the
    same upload finds this row; keys are the sha256 of the stored bytes, so the object is
    never stored twice either."""

    __tablename__ = "photos"
    __table_args__ = (
        CheckConstraint(
            "hazard_status IN ('pending', 'clear', 'flagged', 'failed')", name="hazard_status"
        ),
        # The safety officer's queue and the stale-pending sweeper read by status.
        Index("ix_photos_company_hazard_status", "company_id", "hazard_status"),
    )

    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id"), index=True)
    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sites.id"), index=True)
    uploaded_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    key: Mapped[str] = mapped_column(String(200), index=True)
    thumb_key: Mapped[str] = mapped_column(String(200), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(String(64))
    width: Mapped[int]
    height: Mapped[int]
    bytes: Mapped[int] = mapped_column(Integer)
    # What arrived, for replays (same id + same bytes = the same upload) and support.
    source_sha256: Mapped[str] = mapped_column(String(64))
    source_format: Mapped[str] = mapped_column(String(16))
    source_bytes: Mapped[int] = mapped_column(Integer)
    source_width: Mapped[int]
    source_height: Mapped[int]
    # Kept as data, never in the stored file (which has no metadata at all).
    captured_at: Mapped[datetime | None]
    lat: Mapped[float | None]
    lon: Mapped[float | None]

    hazard_status: Mapped[str] = mapped_column(String(16), default="pending")
    hazard_model: Mapped[str | None] = mapped_column(String(200))
    hazard_detections: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONB)
    hazard_attempts: Mapped[int] = mapped_column(SmallInteger, default=0)
    hazard_error: Mapped[str | None] = mapped_column(Text)
    hazard_checked_at: Mapped[datetime | None]


class PendingObject(Base):
    """An object about to be written to the store, recorded (and committed) before the
    write. The photo row removes it in the same transaction that makes the object
    referenced; whatever is left after a crash or a failed insert is an orphan candidate
    that the sweeper deletes, unless a photo row refers to the key by then."""

    __tablename__ = "pending_objects"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
