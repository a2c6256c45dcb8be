"""Test data: two companies with one user of every role, a project, a site and a crew.

Rows are inserted directly (fast, and independent of the endpoints under test); tokens
are minted with the app's own JWT settings, exactly as login would. `build_world` is made
of the per-entity `create_*` helpers, which a test uses for anything more it needs (they
flush, the caller's transaction commits). tests/support/equipment.py creates items and
batches through the API instead, for tests about those endpoints.
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from litestar.security.jwt import Token
from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from api.config import Settings
from api.db.models import (
    Company,
    Crew,
    Equipment,
    Inspection,
    MaterialBatch,
    Project,
    Role,
    Site,
    User,
    project_members,
    site_staff,
)
from api.db.models.base import utcnow
from api.domain.labels.qr import new_code
from api.lib.geo import geofence_sql
from api.lib.passwords import hash_password

PASSWORD = "correct-horse-battery"
_PASSWORD_HASH = hash_password(PASSWORD)
_counter = itertools.count(1)


def square(lon: float, lat: float, size: float = 0.002) -> dict[str, Any]:
    """A closed square GeoJSON polygon about 200 m a side at (lon, lat)."""
    # Rounded like the server's GeoJSON output (7 decimals), so round trips compare equal.
    east, north = round(lon + size, 7), round(lat + size, 7)
    return {
        "type": "Polygon",
        "coordinates": [[[lon, lat], [east, lat], [east, north], [lon, north], [lon, lat]]],
    }


def unique(prefix: str) -> str:
    return f"{prefix}{next(_counter)}"


def mint_token(settings: Settings, user_id: uuid.UUID) -> str:
    token = Token(sub=str(user_id), exp=utcnow() + timedelta(hours=1))
    return token.encode(secret=settings.auth.jwt_secret, algorithm="HS256")


@dataclass
class Tenant:
    company: Company
    users: dict[Role, User]
    project: Project
    site: Site
    crew: Crew
    site_geojson: dict[str, Any]


@dataclass
class World:
    settings: Settings
    a: Tenant
    b: Tenant
    superadmin: User
    tokens: dict[uuid.UUID, str] = field(default_factory=dict)
    # Objects a test's setup made through the API (e.g. an inspection to upload to).
    extra: dict[str, Any] = field(default_factory=dict)

    def headers(self, user: User) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[user.id]}"}


async def create_user(
    session: AsyncSession,
    company_id: uuid.UUID | None,
    role: Role,
    crew_id: uuid.UUID | None = None,
) -> User:
    """A user who logs in with PASSWORD."""
    user = User(
        id=uuid.uuid4(),
        company_id=company_id,
        name=f"{role.value} {next(_counter)}",
        login=unique(f"{role.value}-"),
        password_hash=_PASSWORD_HASH,
        role=role,
        crew_id=crew_id,
    )
    session.add(user)
    await session.flush()
    return user


async def create_company(session: AsyncSession, name: str) -> Company:
    company = Company(id=uuid.uuid4(), name=name)
    session.add(company)
    await session.flush()
    return company


async def create_project(
    session: AsyncSession, company_id: uuid.UUID, name: str, manager_id: uuid.UUID | None = None
) -> Project:
    """A project; `manager_id` is made one of its members."""
    project = Project(id=uuid.uuid4(), company_id=company_id, name=name)
    session.add(project)
    await session.flush()
    if manager_id is not None:
        await session.execute(
            project_members.insert().values(project_id=project.id, user_id=manager_id)
        )
    return project


async def create_site(
    session: AsyncSession,
    company_id: uuid.UUID,
    project_id: uuid.UUID,
    name: str,
    geojson: dict[str, Any],
    staff_id: uuid.UUID | None = None,
) -> Site:
    """A site in Asia/Shanghai fenced by `geojson`; `staff_id` is made one of its staff."""
    site = Site(
        id=uuid.uuid4(),
        company_id=company_id,
        project_id=project_id,
        name=name,
        geofence=func.geography(geofence_sql(geojson)),
        timezone="Asia/Shanghai",
    )
    session.add(site)
    await session.flush()
    if staff_id is not None:
        await session.execute(site_staff.insert().values(site_id=site.id, user_id=staff_id))
    return site


async def create_crew(
    session: AsyncSession,
    company_id: uuid.UUID,
    site_id: uuid.UUID,
    name: str,
    foreman_id: uuid.UUID | None = None,
) -> Crew:
    crew = Crew(
        id=uuid.uuid4(), company_id=company_id, site_id=site_id, name=name, foreman_id=foreman_id
    )
    session.add(crew)
    await session.flush()
    return crew


async def create_equipment(session: AsyncSession, site: Site, **fields: Any) -> Equipment:
    """An item of `site` with a fresh label code; `fields` override the defaults."""
    values: dict[str, Any] = {"name": unique("Tower crane "), "category": "crane"} | fields
    item = Equipment(
        id=uuid.uuid4(), company_id=site.company_id, site_id=site.id, code=new_code(), **values
    )
    session.add(item)
    await session.flush()
    return item


async def create_material_batch(session: AsyncSession, site: Site, **fields: Any) -> MaterialBatch:
    """A material batch of `site` with a fresh label code; `fields` override the defaults."""
    values: dict[str, Any] = {
        "material": "Rebar HRB400 ø16",
        "batch_no": unique("L2024-"),
        "supplier": "Shagang",
        "quantity": 24.5,
        "unit": "t",
    } | fields
    batch = MaterialBatch(
        id=uuid.uuid4(), company_id=site.company_id, site_id=site.id, code=new_code(), **values
    )
    session.add(batch)
    await session.flush()
    return batch


async def create_inspection(
    session: AsyncSession, site: Site, created_by: uuid.UUID, **fields: Any
) -> Inspection:
    values: dict[str, Any] = {"title": unique("Scaffold check ")} | fields
    inspection = Inspection(
        id=uuid.uuid4(),
        company_id=site.company_id,
        site_id=site.id,
        created_by=created_by,
        **values,
    )
    session.add(inspection)
    await session.flush()
    return inspection


async def _tenant(session: AsyncSession, name: str, lon: float, lat: float) -> Tenant:
    company = await create_company(session, name)
    users = {
        role: await create_user(session, company.id, role)
        for role in (Role.ADMIN, Role.MANAGER, Role.SAFETY_OFFICER, Role.FOREMAN)
    }
    project = await create_project(
        session, company.id, f"{name} tower", manager_id=users[Role.MANAGER].id
    )
    geojson = square(lon, lat)
    site = await create_site(
        session,
        company.id,
        project.id,
        f"{name} site",
        geojson,
        staff_id=users[Role.SAFETY_OFFICER].id,
    )
    crew = await create_crew(
        session, company.id, site.id, f"{name} rebar crew", foreman_id=users[Role.FOREMAN].id
    )
    users[Role.WORKER] = await create_user(session, company.id, Role.WORKER, crew_id=crew.id)
    return Tenant(company, users, project, site, crew, geojson)


async def build_world(bind: AsyncEngine | AsyncConnection, settings: Settings) -> World:
    """Committed through `bind`: an engine for the live tier; for the in-process tier the
    test's connection, where the commit only releases a savepoint of the transaction the
    test rolls back."""
    maker = async_sessionmaker(
        bind, expire_on_commit=False, join_transaction_mode="create_savepoint"
    )
    async with maker() as session, session.begin():
        a = await _tenant(session, "Acme", 116.30, 39.90)
        b = await _tenant(session, "Bolt", 121.47, 31.23)
        superadmin = await create_user(session, None, Role.SUPERADMIN)
    world = World(settings=settings, a=a, b=b, superadmin=superadmin)
    for user in [superadmin, *a.users.values(), *b.users.values()]:
        world.tokens[user.id] = mint_token(settings, user.id)
    return world
