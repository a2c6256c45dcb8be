"""Projects, sites (with their PostGIS geofences) and crews."""

from __future__ import annotations

import json
import uuid
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec
from sqlalchemy import ColumnElement, Select, Table, delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from api.db.models import Crew, Project, Role, Site, User, project_members, site_staff
from api.domain.sites.schemas import (
    CrewIn,
    CrewOut,
    ProjectIn,
    ProjectOut,
    SiteIn,
    SiteMatch,
    SiteOut,
    SitePatch,
)
from api.lib import audit
from api.lib.authz import (
    get_visible_site,
    get_visible_user,
    visible_crews,
    visible_projects,
    visible_sites,
)
from api.lib.context import Actor
from api.lib.errors import Invalid, NotFound
from api.lib.geo import (
    check_geofence,
    check_point,
    geofence_geojson_sql,
    geofence_sql,
    point_geography,
)
from api.lib.pagination import PageParams, fetch_page
from inference.hazard.errors import PolicyError
from inference.hazard.policy import Tiling

# How far around a phone's position "which site is this" looks, beyond its accuracy.
LOCATE_RADIUS_M = 500.0


def _check_timezone(name: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise Invalid(f"Unknown IANA timezone {name!r}", code="timezone_invalid") from exc


def _hazard_tiling(raw: dict[str, Any] | None) -> dict[str, Any] | None:
    """A site's tile grid in its canonical form, or 422 `invalid_tiling` with the reason
    the policy file would give for the same table."""
    if raw is None:
        return None
    try:
        tiling = Tiling.from_mapping(raw, where="hazard_tiling", enabled=True)
    except PolicyError as exc:
        raise Invalid(str(exc), code="invalid_tiling") from exc
    return tiling.as_mapping()


def _site_out_query() -> Select[Any]:
    return select(
        Site,
        geofence_geojson_sql(Site.geofence).label("geojson"),
        func.ST_Area(Site.geofence).label("area"),
    )


def _site_out(site: Site, geojson: str, area: float) -> SiteOut:
    return SiteOut(
        id=site.id,
        company_id=site.company_id,
        project_id=site.project_id,
        name=site.name,
        geofence=json.loads(geojson),
        timezone=site.timezone,
        max_accuracy_m=site.max_accuracy_m,
        shift_start=site.shift_start,
        is_active=site.is_active,
        area_m2=round(float(area), 1),
        created_at=site.created_at,
        hazard_tiling=site.hazard_tiling,
    )


async def _load_site_out(session: AsyncSession, site_id: uuid.UUID) -> SiteOut:
    row = (await session.execute(_site_out_query().where(Site.id == site_id))).one()
    return _site_out(row[0], row[1], row[2])


async def _check_project(session: AsyncSession, actor: Actor, project_id: uuid.UUID) -> None:
    found = await session.scalar(
        select(Project.id).where(Project.id == project_id, visible_projects(actor))
    )
    if found is None:
        raise NotFound("No such project", code="project_not_found")


async def create_site(session: AsyncSession, actor: Actor, data: SiteIn) -> SiteOut:
    _check_timezone(data.timezone)
    hazard_tiling = _hazard_tiling(data.hazard_tiling)
    shape = await check_geofence(session, data.geofence)
    if data.project_id is not None:
        await _check_project(session, actor, data.project_id)
    site = Site(
        id=data.id or uuid.uuid4(),
        company_id=actor.company_id,
        project_id=data.project_id,
        name=data.name,
        geofence=func.geography(geofence_sql(shape)),
        timezone=data.timezone,
        max_accuracy_m=data.max_accuracy_m,
        shift_start=data.shift_start,
        hazard_tiling=hazard_tiling,
    )
    session.add(site)
    await session.flush()
    if actor.role is Role.MANAGER:
        # Otherwise a manager could create a site they are then not allowed to see.
        await session.execute(insert(site_staff).values(site_id=site.id, user_id=actor.id))
    out = await _load_site_out(session, site.id)
    await audit.record(
        session,
        actor,
        action="create",
        entity="site",
        entity_id=site.id,
        after=msgspec.to_builtins(out),
    )
    return out


async def list_sites(
    session: AsyncSession, actor: Actor, page: PageParams, project_id: uuid.UUID | None
) -> tuple[list[SiteOut], int]:
    where: list[ColumnElement[bool]] = [visible_sites(actor)]
    if project_id is not None:
        where.append(Site.project_id == project_id)
    total = await session.scalar(select(func.count()).select_from(Site).where(*where))
    rows = await session.execute(
        _site_out_query()
        .where(*where)
        .order_by(Site.created_at.desc())
        .limit(page.limit)
        .offset(page.offset)
    )
    return [_site_out(s, g, a) for s, g, a in rows], int(total or 0)


async def get_site(session: AsyncSession, actor: Actor, site_id: uuid.UUID) -> SiteOut:
    await get_visible_site(session, actor, site_id)
    return await _load_site_out(session, site_id)


async def patch_site(
    session: AsyncSession, actor: Actor, site_id: uuid.UUID, data: SitePatch
) -> SiteOut:
    site = await get_visible_site(session, actor, site_id)
    before = msgspec.to_builtins(await _load_site_out(session, site_id))
    if data.timezone is not None:
        _check_timezone(data.timezone)
        site.timezone = data.timezone
    if data.geofence is not None:
        shape = await check_geofence(session, data.geofence)
        site.geofence = func.geography(geofence_sql(shape))
    if data.project_id is not None:
        await _check_project(session, actor, data.project_id)
        site.project_id = data.project_id
    if data.hazard_tiling is not msgspec.UNSET:
        site.hazard_tiling = _hazard_tiling(data.hazard_tiling)
    for field in ("name", "max_accuracy_m", "shift_start", "is_active"):
        value = getattr(data, field)
        if value is not None:
            setattr(site, field, value)
    await session.flush()
    session.expire(site)
    out = await _load_site_out(session, site_id)
    await audit.record(
        session,
        actor,
        action="update",
        entity="site",
        entity_id=site_id,
        before=before,
        after=msgspec.to_builtins(out),
    )
    return out


def locate_query(actor: Actor, lat: float, lon: float, radius_m: float) -> Select[Any]:
    """Visible sites within `radius_m` of a point, nearest first (served by the GiST index
    on `sites.geofence` through ST_DWithin)."""
    point = point_geography(lat, lon)
    distance = func.ST_Distance(Site.geofence, point)
    return (
        select(Site.id, Site.name, distance.label("distance"))
        .where(
            func.ST_DWithin(Site.geofence, point, radius_m), visible_sites(actor), Site.is_active
        )
        .order_by(distance)
        .limit(20)
    )


async def locate(
    session: AsyncSession, actor: Actor, lat: float, lon: float, accuracy_m: float
) -> list[SiteMatch]:
    check_point(lat, lon)
    rows = await session.execute(locate_query(actor, lat, lon, accuracy_m + LOCATE_RADIUS_M))
    return [
        SiteMatch(id=i, name=n, distance_m=round(float(d), 1), inside=float(d) <= accuracy_m)
        for i, n, d in rows
    ]


async def _set_link(
    session: AsyncSession,
    actor: Actor,
    table: Table,
    entity: str,
    keys: dict[str, uuid.UUID],
    assign: bool,
) -> None:
    """Add or remove one row of an association table, idempotently, and audit it."""
    if assign:
        await session.execute(insert(table).values(**keys).on_conflict_do_nothing())
    else:
        await session.execute(
            delete(table).where(*(table.c[name] == value for name, value in keys.items()))
        )
    await audit.record(
        session,
        actor,
        action="assign" if assign else "unassign",
        entity=entity,
        entity_id=next(iter(keys.values())),
        after={name: str(value) for name, value in keys.items()},
    )


async def set_staff(
    session: AsyncSession, actor: Actor, site_id: uuid.UUID, user_id: uuid.UUID, assign: bool
) -> None:
    await get_visible_site(session, actor, site_id)
    if assign:
        # Staff of one's site are in one's scope (api/lib/authz.py visible_users), so
        # staffing someone widens what the caller may do to them (edit, reset their
        # password): only people already in the caller's scope may be staffed, or a
        # manager could pull any colleague onto their site and take the account over.
        # Admins' scope is the company: they staff new hires and move people between sites.
        await get_visible_user(session, actor, user_id)
    else:
        # Removing narrows scope; a link on a visible site names someone in scope anyway.
        await _company_user(session, actor, user_id)
    keys = {"site_id": site_id, "user_id": user_id}
    await _set_link(session, actor, site_staff, "site_staff", keys, assign)


async def _company_user(session: AsyncSession, actor: Actor, user_id: uuid.UUID) -> User:
    # Crews and projects pick from the whole company (a new hire is not yet on any
    # site), so this is a company check rather than the narrower visible_users.
    user = await session.scalar(
        select(User).where(User.id == user_id, User.company_id == actor.company_id)
    )
    if user is None:
        raise NotFound("No such user", code="user_not_found")
    return user


async def create_project(session: AsyncSession, actor: Actor, data: ProjectIn) -> ProjectOut:
    project = Project(id=uuid.uuid4(), company_id=actor.company_id, name=data.name)
    await audit.add_and_record(
        session, actor, project, entity="project", extra={"member_ids": data.member_ids}
    )
    for member_id in data.member_ids:
        await _company_user(session, actor, member_id)
        await session.execute(
            insert(project_members)
            .values(project_id=project.id, user_id=member_id)
            .on_conflict_do_nothing()
        )
    return ProjectOut(
        id=project.id,
        name=project.name,
        member_ids=list(dict.fromkeys(data.member_ids)),
        created_at=project.created_at,
    )


async def list_projects(
    session: AsyncSession, actor: Actor, page: PageParams
) -> tuple[list[ProjectOut], int]:
    projects, total = await fetch_page(
        session,
        select(Project).where(visible_projects(actor)).order_by(Project.created_at.desc()),
        page,
    )
    members: dict[uuid.UUID, list[uuid.UUID]] = {p.id: [] for p in projects}
    rows = await session.execute(
        select(project_members.c.project_id, project_members.c.user_id).where(
            project_members.c.project_id.in_(members)
        )
    )
    for project_id, user_id in rows:
        members[project_id].append(user_id)
    return [
        ProjectOut(id=p.id, name=p.name, member_ids=members[p.id], created_at=p.created_at)
        for p in projects
    ], total


async def set_project_member(
    session: AsyncSession, actor: Actor, project_id: uuid.UUID, user_id: uuid.UUID, assign: bool
) -> None:
    await _check_project(session, actor, project_id)
    await _company_user(session, actor, user_id)
    keys = {"project_id": project_id, "user_id": user_id}
    await _set_link(session, actor, project_members, "project_member", keys, assign)


def _crew_out(crew: Crew) -> CrewOut:
    return CrewOut(
        id=crew.id,
        site_id=crew.site_id,
        name=crew.name,
        foreman_id=crew.foreman_id,
        created_at=crew.created_at,
    )


async def create_crew(session: AsyncSession, actor: Actor, data: CrewIn) -> CrewOut:
    await get_visible_site(session, actor, data.site_id)
    if data.foreman_id is not None:
        foreman = await _company_user(session, actor, data.foreman_id)
        if foreman.role is not Role.FOREMAN:
            raise Invalid("The crew leader must have the foreman role", code="not_a_foreman")
    crew = Crew(
        id=data.id or uuid.uuid4(),
        company_id=actor.company_id,
        site_id=data.site_id,
        name=data.name,
        foreman_id=data.foreman_id,
    )
    await audit.add_and_record(session, actor, crew, entity="crew")
    return _crew_out(crew)


async def list_crews(
    session: AsyncSession, actor: Actor, page: PageParams, site_id: uuid.UUID | None
) -> tuple[list[CrewOut], int]:
    query = select(Crew).where(visible_crews(actor)).order_by(Crew.created_at.desc())
    if site_id is not None:
        query = query.where(Crew.site_id == site_id)
    crews, total = await fetch_page(session, query, page)
    return [_crew_out(c) for c in crews], total
