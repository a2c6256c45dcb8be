"""Face templates (encrypted) and the consent that allows keeping them.

No enrolment photo is ever stored: the photo is read in memory, reduced to a 128-d
encoding, and dropped. Only the sealed encoding is kept (api/domain/faces/templates.py),
so erasure is deleting these rows; there is no object in S3 to chase.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String, text
from sqlalchemy.orm import Mapped, mapped_column

from api.db.models.base import Base, UUIDPrimaryKey, utcnow


class FaceTemplate(UUIDPrimaryKey, Base):
    """One enrolment sample: AES-256-GCM over the float32 encoding, bound to its row."""

    __tablename__ = "face_templates"

    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id"), index=True)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    # Templates of different models are not comparable; this says which one made it.
    model: Mapped[str] = mapped_column(String(32))
    # The sealed encoding ("template" is on the audit trail's never-copy list).
    template: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )


class FaceConsent(UUIDPrimaryKey, Base):
    """A worker's consent to face checks: given, and possibly withdrawn later.

    Rows are kept after withdrawal (erasure deletes the templates, not the record that
    consent existed for a while), so a dispute over a past face check can be answered.
    At most one consent per worker is in force at a time.
    """

    __tablename__ = "face_consents"
    __table_args__ = (
        Index(
            "uq_face_consents_active_user",
            "user_id",
            unique=True,
            postgresql_where=text("withdrawn_at IS NULL"),
        ),
    )

    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id"), index=True)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    # Which wording of the consent notice the worker agreed to.
    text_version: Mapped[str] = mapped_column(String(32))
    consented_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Who submitted it: the worker, or the foreman holding the phone for them.
    recorded_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    withdrawn_at: Mapped[datetime | None]
    withdrawn_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )


class FaceEnrolment(Base):
    """Whether a worker's face check may be trusted: one row per worker who ever enrolled.

    Holds no biometric data (times and who), so it outlives an erasure: erasing deletes
    the templates and clears `verified_at`, and the row remembers that a face was
    enrolled before. Without it, "erase, then enrol somebody else" (done by the worker
    or their foreman) would arm the face check for a stranger exactly like a first
    enrolment does (api/domain/faces/services.py has the rules).
    """

    __tablename__ = "face_enrolments"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id"), index=True)
    # The worker's first sample ever: set once, kept through erasures.
    first_enrolled_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When the current templates were confirmed as this worker's; NULL while they are
    # not (a re-enrolment awaiting a manager) and while nothing is enrolled.
    verified_at: Mapped[datetime | None]
    verified_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
