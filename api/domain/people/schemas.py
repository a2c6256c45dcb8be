"""Request and response shapes for login, users and companies."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import msgspec

from api.db.models import Role
from api.domain.faces.schemas import FaceSummary
from api.lib.pagination import Page, schema_name
from api.lib.schemas import Login, LoginAttempt, Name, Password, Phone


class LoginIn(msgspec.Struct, forbid_unknown_fields=True):
    login: LoginAttempt
    password: Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=r"^[^\x00]*$")]


class UserBrief(msgspec.Struct):
    id: uuid.UUID
    name: str
    role: Role
    company_id: uuid.UUID | None


class LoginOut(msgspec.Struct):
    access_token: str
    token_type: str
    expires_in: int
    user: UserBrief


class CrewBrief(msgspec.Struct):
    id: uuid.UUID
    name: str
    site_id: uuid.UUID


class SiteBrief(msgspec.Struct):
    id: uuid.UUID
    name: str
    timezone: str


class CompanyBrief(msgspec.Struct):
    id: uuid.UUID
    name: str


class MeOut(msgspec.Struct):
    id: uuid.UUID
    name: str
    login: str
    phone: str | None
    role: Role
    company_id: uuid.UUID | None
    company: CompanyBrief | None
    crew: CrewBrief | None
    sites: list[SiteBrief]


class UserIn(msgspec.Struct, forbid_unknown_fields=True):
    name: Name
    role: Role
    password: Password
    phone: Phone | None = None
    login: Login | None = None
    crew_id: uuid.UUID | None = None
    id: uuid.UUID | None = None


class UserPatch(msgspec.Struct, forbid_unknown_fields=True):
    name: Name | None = None
    phone: Phone | None = None
    role: Role | None = None
    crew_id: uuid.UUID | None = None
    password: Password | None = None
    is_active: bool | None = None


class UserOut(msgspec.Struct):
    id: uuid.UUID
    company_id: uuid.UUID | None
    name: str
    login: str
    phone: str | None
    role: Role
    crew_id: uuid.UUID | None
    is_active: bool
    created_at: datetime
    # Enrolled, confirmed, how many samples: a staff screen shows who needs a manager.
    face: FaceSummary


UserPage = Annotated[Page[UserOut], schema_name("UserPage")]


class CompanyAdminIn(msgspec.Struct, forbid_unknown_fields=True):
    login: Login
    password: Password
    name: Name
    phone: Phone | None = None


class CompanyIn(msgspec.Struct, forbid_unknown_fields=True):
    name: Name
    admin: CompanyAdminIn


class CompanyOut(msgspec.Struct):
    id: uuid.UUID
    name: str
    admin_id: uuid.UUID | None
    is_active: bool
    created_at: datetime


CompanyPage = Annotated[Page[CompanyOut], schema_name("CompanyPage")]
