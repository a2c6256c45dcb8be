"""The equipment ledger: items with a QR code, their maintenance plans and their events.

Custody (who holds an item) lives on the item itself, so "is it out?" is one row read,
and every change of it is also an event, so the history is complete.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

from sqlalchemy import (
    Column,
    Date,
    Enum,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from api.db.models.base import Base, Timestamps, UUIDPrimaryKey, utcnow

# Short enough to type from a label, long enough (50 bits) not to be guessed.
CODE_LENGTH = 10


class EquipmentEventKind(enum.StrEnum):
    INSPECTION = "inspection"
    MAINTENANCE = "maintenance"
    CHECK_OUT = "check_out"
    CHECK_IN = "check_in"
    DEFECT = "defect"


class Equipment(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "equipment"
    __table_args__ = (
        # A re-imported spreadsheet must not register the same machine twice; NULL
        # serials (hand tools without one) never clash.
        UniqueConstraint("company_id", "serial_no"),
    )

    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id"), index=True)
    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sites.id"), index=True)
    # Unique across the platform: a scan resolves it before knowing the tenant.
    code: Mapped[str] = mapped_column(String(CODE_LENGTH), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(100))
    model: Mapped[str | None] = mapped_column(String(200))
    serial_no: Mapped[str | None] = mapped_column(String(100))
    # The company itself or the rental firm the item came from.
    owner: Mapped[str | None] = mapped_column(String(200))
    rented: Mapped[bool] = mapped_column(default=False)
    certificate_no: Mapped[str | None] = mapped_column(String(100))
    # The statutory inspection certificate (cranes, hoists, pressure vessels).
    certificate_expires_on: Mapped[date | None] = mapped_column(Date())
    holder_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    checked_out_at: Mapped[datetime | None]
    is_active: Mapped[bool] = mapped_column(default=True)


class MaintenancePlan(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "maintenance_plans"
    __table_args__ = (
        # The due list and the overdue job read plans by date across a company.
        Index("ix_maintenance_plans_company_due", "company_id", "next_due_on"),
    )

    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id"))
    equipment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("equipment.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    every_days: Mapped[int]
    next_due_on: Mapped[date] = mapped_column(Date())
    last_done_at: Mapped[datetime | None]
    is_active: Mapped[bool] = mapped_column(default=True)


class EquipmentEvent(Base):
    """Something that happened to an item. Defects stay open until closed (by a repair,
    or later by a rectification), and an item with an open defect is not handed out."""

    __tablename__ = "equipment_events"
    __table_args__ = (Index("ix_equipment_events_equipment_at", "equipment_id", "occurred_at"),)

    # The client's id (offline replay), or a server one.
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id"), index=True)
    equipment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("equipment.id", ondelete="CASCADE"))
    # Where the item was when it happened (items move between sites).
    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sites.id"), index=True)
    kind: Mapped[EquipmentEventKind] = mapped_column(
        Enum(
            EquipmentEventKind,
            name="equipment_event_kind",
            values_callable=lambda e: [m.value for m in e],
        )
    )
    note: Mapped[str | None] = mapped_column(Text())
    holder_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    plan_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("maintenance_plans.id", ondelete="SET NULL")
    )
    actor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # When it happened on site (a phone may send it hours later).
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now(), default=utcnow)
    closed_at: Mapped[datetime | None]
    closed_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    close_note: Mapped[str | None] = mapped_column(Text())


# Photos of a defect (or of an inspection), in the order they were taken.
equipment_event_photos = Table(
    "equipment_event_photos",
    Base.metadata,
    Column("event_id", ForeignKey("equipment_events.id", ondelete="CASCADE"), primary_key=True),
    Column("photo_id", ForeignKey("photos.id", ondelete="CASCADE"), primary_key=True),
    Column("position", SmallInteger, nullable=False, default=0),
)
