"""Punches (every attempt, whatever its verdict) and the devices each worker punches from."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ARRAY,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from api.db.models.base import Base, Timestamps, utcnow


class PunchKind(enum.StrEnum):
    IN = "in"
    OUT = "out"


class PunchStatus(enum.StrEnum):
    ACCEPTED = "accepted"
    REVIEW = "review"
    REJECTED = "rejected"


def _values(e: type[enum.Enum]) -> list[str]:
    return [str(m.value) for m in e]


class Punch(Timestamps, Base):
    """One punch as the phone captured it and as the server judged it.

    The primary key is the phone's client id, so an offline resend can never become a
    second row. `checks` holds the evidence behind `status`/`reasons` (distances,
    skew, speed) exactly as it was returned to the phone.
    """

    __tablename__ = "punches"
    __table_args__ = (
        Index("ix_punches_company_site_captured", "company_id", "site_id", "captured_at"),
        Index("ix_punches_user_captured", "user_id", "captured_at"),
        # The retention purge only ever looks at punches that still hold a selfie.
        Index(
            "ix_punches_selfie_expires_at",
            "selfie_expires_at",
            postgresql_where=text("selfie_key IS NOT NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id"))
    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sites.id"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[PunchKind] = mapped_column(
        Enum(PunchKind, name="punch_kind", values_callable=_values)
    )
    status: Mapped[PunchStatus] = mapped_column(
        Enum(PunchStatus, name="punch_status", values_callable=_values)
    )
    reasons: Mapped[list[str]] = mapped_column(ARRAY(String(40)), default=list)
    checks: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    accuracy_m: Mapped[float] = mapped_column(Float)
    # When the phone took it (judged by this) and when the server got it.
    captured_at: Mapped[datetime]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    age_s: Mapped[int] = mapped_column(Integer, default=0)
    device_id: Mapped[str] = mapped_column(String(128))
    distance_m: Mapped[float | None] = mapped_column(Float)
    face_distance: Mapped[float | None] = mapped_column(Float)
    # Private S3 key; NULL once the retention purge deleted the object (or never stored,
    # for workers without face consent).
    selfie_key: Mapped[str | None] = mapped_column(String(300))
    selfie_expires_at: Mapped[datetime | None]
    cosigned_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    cosigned_at: Mapped[datetime | None]
    reviewed_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None]
    review_note: Mapped[str | None] = mapped_column(Text)


class WorkerDevice(Base):
    """The phones a worker punches from. The first one binds; later ones wait for a
    reviewer, who binds them by accepting a punch flagged `new_device`."""

    __tablename__ = "worker_devices"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    device_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id"), index=True)
    bound: Mapped[bool] = mapped_column(default=False)
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
