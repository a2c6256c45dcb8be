"""Material batches (a supplier's lot delivered to a site), their certificate and the
receipts taken at the site gate."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    Column,
    Date,
    ForeignKey,
    Index,
    Numeric,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from api.db.models.base import Base, Timestamps, UUIDPrimaryKey, utcnow
from api.db.models.equipment import CODE_LENGTH

# Quantities are measured (tonnes of rebar, m3 of concrete), never money: a float on the
# wire, exact to 3 decimals in the database.
Quantity = Numeric(14, 3, asdecimal=False)


class MaterialBatch(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "material_batches"
    __table_args__ = (
        # The same lot registered twice on one site (a re-imported sheet) is a mistake;
        # one lot split between two sites is two batches.
        UniqueConstraint("site_id", "material", "supplier", "batch_no"),
    )

    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id"), index=True)
    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sites.id"), index=True)
    # Shares its alphabet and length with equipment codes; the scan tells them apart.
    code: Mapped[str] = mapped_column(String(CODE_LENGTH), unique=True)
    material: Mapped[str] = mapped_column(String(200))
    spec: Mapped[str | None] = mapped_column(String(200))
    batch_no: Mapped[str] = mapped_column(String(100))
    supplier: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[float] = mapped_column(Quantity)
    unit: Mapped[str] = mapped_column(String(20))
    # The current certificate (mill/test certificate); replaced ones stay in the store
    # and in the audit trail.
    certificate_key: Mapped[str | None] = mapped_column(String(300))
    certificate_content_type: Mapped[str | None] = mapped_column(String(100))
    certificate_bytes: Mapped[int | None]
    certificate_sha256: Mapped[str | None] = mapped_column(String(64))
    certificate_expires_on: Mapped[date | None] = mapped_column(Date())
    certificate_uploaded_at: Mapped[datetime | None]


class MaterialReceipt(Base):
    """One delivery checked at the gate: accepted, or rejected with a reason."""

    __tablename__ = "material_receipts"
    __table_args__ = (Index("ix_material_receipts_batch_at", "batch_id", "received_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id"), index=True)
    batch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("material_batches.id"))
    quantity: Mapped[float] = mapped_column(Quantity)
    accepted: Mapped[bool]
    note: Mapped[str | None] = mapped_column(Text())
    reason: Mapped[str | None] = mapped_column(Text())
    received_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    # When the truck was checked (the phone may sync later).
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now(), default=utcnow)


# Photos taken at the gate (the delivery note, the damage a rejection is about).
material_receipt_photos = Table(
    "material_receipt_photos",
    Base.metadata,
    Column("receipt_id", ForeignKey("material_receipts.id", ondelete="CASCADE"), primary_key=True),
    Column("photo_id", ForeignKey("photos.id", ondelete="CASCADE"), primary_key=True),
    Column("position", SmallInteger, nullable=False, default=0),
)
