"""Users of every role, and the login throttle that protects their passwords."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, String, text
from sqlalchemy.orm import Mapped, mapped_column

from api.db.models.base import Base, Timestamps, UUIDPrimaryKey


class Role(enum.StrEnum):
    SUPERADMIN = "superadmin"
    ADMIN = "admin"
    MANAGER = "manager"
    SAFETY_OFFICER = "safety_officer"
    FOREMAN = "foreman"
    WORKER = "worker"


class User(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "users"

    # NULL only for the platform superadmin, who belongs to no tenant.
    company_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("companies.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(32))
    # Logins are unique platform-wide because login does not name the company.
    login: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(
        Enum(Role, name="user_role", values_callable=lambda e: [m.value for m in e])
    )
    crew_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("crews.id", ondelete="SET NULL"), index=True
    )
    is_active: Mapped[bool] = mapped_column(default=True)
    # Tokens carry the version they were issued under (api/server/principals.py); raising it
    # (a password change, a deactivation, "sign out everywhere") ends every older token.
    token_version: Mapped[int] = mapped_column(default=0, server_default=text("0"))


class LoginThrottle(Base):
    """Failed logins per key (a login name or a client IP), shared by all API replicas."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    window_started_at: Mapped[datetime]
    locked_until: Mapped[datetime | None]
