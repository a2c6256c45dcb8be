"""Request and response shapes for projects, sites and crews."""

from __future__ import annotations

import uuid
from datetime import datetime, time
from typing import Annotated, Any

import msgspec

from api.lib.pagination import Page, schema_name
from api.lib.schemas import Name

AccuracyLimit = Annotated[int, msgspec.Meta(ge=5, le=5000)]
TimezoneName = Annotated[
    str, msgspec.Meta(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_+/-]+$")
]


class SiteIn(msgspec.Struct, forbid_unknown_fields=True):
    name: Name
    # Validated in the service (structure here would give a vaguer error than ours).
    geofence: dict[str, Any]
    timezone: TimezoneName
    max_accuracy_m: AccuracyLimit = 50
    project_id: uuid.UUID | None = None
    shift_start: time = time(8, 0)
    # The hazard model's tile grid for this site (validated in the service, by the same
    # reader as the policy file's [tiling]); None: the model policy's own.
    hazard_tiling: dict[str, Any] | None = None
    id: uuid.UUID | None = None


class SitePatch(msgspec.Struct, forbid_unknown_fields=True):
    name: Name | None = None
    geofence: dict[str, Any] | None = None
    timezone: TimezoneName | None = None
    max_accuracy_m: AccuracyLimit | None = None
    project_id: uuid.UUID | None = None
    shift_start: time | None = None
    is_active: bool | None = None
    # Absent: unchanged; null: back to the model policy's own tiling.
    hazard_tiling: dict[str, Any] | msgspec.UnsetType | None = msgspec.UNSET


class SiteOut(msgspec.Struct):
    id: uuid.UUID
    company_id: uuid.UUID
    project_id: uuid.UUID | None
    name: str
    geofence: dict[str, Any]
    timezone: str
    max_accuracy_m: int
    shift_start: time
    is_active: bool
    area_m2: float
    created_at: datetime
    hazard_tiling: dict[str, Any] | None


SitePage = Annotated[Page[SiteOut], schema_name("SitePage")]


class SiteMatch(msgspec.Struct):
    id: uuid.UUID
    name: str
    # 0 when the point (with its accuracy circle) touches the geofence.
    distance_m: float
    inside: bool


class SiteMatches(msgspec.Struct):
    items: list[SiteMatch]


class ProjectIn(msgspec.Struct, forbid_unknown_fields=True):
    name: Name
    member_ids: list[uuid.UUID] = msgspec.field(default_factory=list)


class ProjectOut(msgspec.Struct):
    id: uuid.UUID
    name: str
    member_ids: list[uuid.UUID]
    created_at: datetime


ProjectPage = Annotated[Page[ProjectOut], schema_name("ProjectPage")]


class CrewIn(msgspec.Struct, forbid_unknown_fields=True):
    site_id: uuid.UUID
    name: Name
    foreman_id: uuid.UUID | None = None
    id: uuid.UUID | None = None


class CrewOut(msgspec.Struct):
    id: uuid.UUID
    site_id: uuid.UUID
    name: str
    foreman_id: uuid.UUID | None
    created_at: datetime


CrewPage = Annotated[Page[CrewOut], schema_name("CrewPage")]
