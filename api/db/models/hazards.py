"""Hazards the model flagged, the safety officer's decision, and the fix that follows."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from api.db.models.base import Base, Timestamps, UUIDPrimaryKey


class Hazard(UUIDPrimaryKey, Timestamps, Base):
    """One flagged photo in the review queue (at most one per photo)."""

    __tablename__ = "hazards"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'confirmed', 'dismissed')", name="status"),
        Index("ix_hazards_company_site_status", "company_id", "site_id", "status"),
    )

    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id"))
    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sites.id"))
    photo_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("photos.id", ondelete="CASCADE"), unique=True
    )
    status: Mapped[str] = mapped_column(String(16), default="open")
    model: Mapped[str] = mapped_column(String(200))
    # The best hazard score, so the queue can put the surest flags first.
    top_score: Mapped[float]
    reviewed_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None]
    review_note: Mapped[str | None] = mapped_column(Text)


class Rectification(UUIDPrimaryKey, Timestamps, Base):
    """The fix of a confirmed hazard: who, by when, and the after photo that proves it."""

    __tablename__ = "rectifications"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'verifying', 'closed')", name="status"),
        Index("ix_rectifications_company_site_status", "company_id", "site_id", "status"),
        # The overdue job reads open fixes by due date.
        Index("ix_rectifications_status_due_at", "status", "due_at"),
    )

    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id"))
    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sites.id"))
    hazard_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("hazards.id"), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="open")
    assignee_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), index=True)
    due_at: Mapped[datetime]
    note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    after_photo_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("photos.id"))
    close_note: Mapped[str | None] = mapped_column(Text)
    # Closed although the model still flags the after photo: the officer's call, noted.
    override: Mapped[bool] = mapped_column(default=False)
    closed_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None]
    # Why a close did not happen (e.g. the after photo is still flagged).
    refused_reason: Mapped[str | None] = mapped_column(String(64))
    overdue_notified_at: Mapped[datetime | None]
