"""Inspections: a titled record on a site with its photos."""

from __future__ import annotations

import uuid

from sqlalchemy import Column, ForeignKey, SmallInteger, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column

from api.db.models.base import Base, Timestamps, UUIDPrimaryKey


class Inspection(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "inspections"

    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id"), index=True)
    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sites.id"), index=True)
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    notes: Mapped[str | None] = mapped_column(Text)
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    # What was inspected, when it is a piece of the equipment ledger.
    equipment_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("equipment.id", ondelete="SET NULL"), index=True
    )


inspection_photos = Table(
    "inspection_photos",
    Base.metadata,
    Column(
        "inspection_id",
        ForeignKey("inspections.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("photo_id", ForeignKey("photos.id", ondelete="CASCADE"), primary_key=True),
    # Upload order, so an inspection shows its photos as they were taken.
    Column("position", SmallInteger, nullable=False, default=0),
)
