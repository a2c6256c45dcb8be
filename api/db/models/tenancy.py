"""Companies (tenants), projects, sites and crews.

Every tenant row carries `company_id`; services always filter on it, and ids from
another company answer 404.
"""

from __future__ import annotations

import uuid
from datetime import time
from typing import Any

from geoalchemy2 import Geography
from sqlalchemy import Column, ForeignKey, Index, String, Table, Time
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from api.db.models.base import Base, Timestamps, UUIDPrimaryKey


class Company(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "companies"

    name: Mapped[str] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(default=True)


# Managers see the sites of the projects they are members of.
project_members = Table(
    "project_members",
    Base.metadata,
    Column("project_id", ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)

# Staff assigned to a site directly (safety officers, managers of single sites).
site_staff = Table(
    "site_staff",
    Base.metadata,
    Column("site_id", ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class Project(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "projects"

    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))


class Site(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "sites"
    __table_args__ = (
        # Geography so distances and accuracy circles are in metres anywhere on Earth;
        # the GiST index serves ST_DWithin/ST_Covers lookups of "which site is this".
        Index("ix_sites_geofence", "geofence", postgresql_using="gist"),
    )

    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id"), index=True)
    project_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("projects.id", ondelete="SET NULL"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    geofence: Mapped[Any] = mapped_column(
        Geography(geometry_type="MULTIPOLYGON", srid=4326, spatial_index=False)
    )
    timezone: Mapped[str] = mapped_column(String(64))
    # GPS fixes worse than this go to review instead of being trusted.
    max_accuracy_m: Mapped[int] = mapped_column(default=50)
    shift_start: Mapped[time] = mapped_column(Time(), default=time(8, 0))
    is_active: Mapped[bool] = mapped_column(default=True)
    # The hazard model's tile grid for this site's photos (inference Tiling JSON:
    # {"grid": [c, r], "overlap", "include_whole"} or {"enabled": false}); None: the
    # model policy's own [tiling].
    hazard_tiling: Mapped[dict[str, Any] | None] = mapped_column(JSONB)


class Crew(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "crews"

    company_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("companies.id"), index=True)
    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sites.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    # users.crew_id points back here, so one side of the cycle is added after both tables.
    foreman_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", use_alter=True, ondelete="SET NULL"), index=True
    )
