"""Authorization as one mechanism: role guards on every route plus row-scope policies.

Every route handler declares who may call it through its `opt`: `opt=allow(...)` with
roles, or `opt=PUBLIC`. One app-wide guard enforces that, and refuses any route that
declares nothing (fail closed), so a new endpoint without a policy is unusable rather
than open. Row scope (which sites, which users) is decided by the policy functions
below and nowhere else; services use them in their queries, which is how ids from
another company or outside one's sites become 404s.
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from sqlalchemy import ColumnElement, false, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.db.models import Crew, Project, Role, Site, User, project_members, site_staff
from api.lib.context import Actor
from api.lib.errors import Forbidden, NotFound

TENANT_ROLES = frozenset({Role.ADMIN, Role.MANAGER, Role.SAFETY_OFFICER, Role.FOREMAN, Role.WORKER})
PUBLIC: dict[str, Any] = {"public": True, "exclude_from_auth": True}


def allow(*roles: Role) -> dict[str, Any]:
    return {"roles": frozenset(roles)}


def allow_tenant_roles() -> dict[str, Any]:
    return {"roles": TENANT_ROLES}


async def role_guard(
    connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
) -> None:
    # Async although it awaits nothing: Litestar runs a sync guard in a worker thread,
    # which cost more than the check itself on every request.
    if handler.opt.get("public"):
        return
    roles = handler.opt.get("roles")
    if roles is None:
        raise Forbidden("This endpoint has no access policy", code="no_policy")
    user = connection.user
    if not isinstance(user, User) or user.role not in roles:
        raise Forbidden()


def visible_sites(actor: Actor) -> ColumnElement[bool]:
    """A WHERE clause on `Site` selecting the sites this actor may see."""
    in_company = Site.company_id == actor.company_id
    staffed = Site.id.in_(select(site_staff.c.site_id).where(site_staff.c.user_id == actor.id))
    role = actor.role
    if role is Role.ADMIN:
        return in_company
    if role is Role.MANAGER:
        managed_projects = select(project_members.c.project_id).where(
            project_members.c.user_id == actor.id
        )
        return in_company & or_(Site.project_id.in_(managed_projects), staffed)
    if role is Role.SAFETY_OFFICER:
        return in_company & staffed
    crew_sites = select(Crew.site_id).where(
        or_(
            Crew.foreman_id == actor.id,
            Crew.id == actor.user.crew_id if actor.user.crew_id else false(),
        )
    )
    return in_company & or_(Site.id.in_(crew_sites), staffed)


def visible_users(actor: Actor) -> ColumnElement[bool]:
    """A WHERE clause on `User`: admins see their company, managers the people on their
    sites, foremen their crews, everyone else only themselves."""
    in_company = User.company_id == actor.company_id
    role = actor.role
    if role is Role.ADMIN:
        return in_company
    if role is Role.MANAGER:
        crews_on_sites = (
            select(Crew.id).join(Site, Site.id == Crew.site_id).where(visible_sites(actor))
        )
        staff_on_sites = select(site_staff.c.user_id).where(
            site_staff.c.site_id.in_(select(Site.id).where(visible_sites(actor)))
        )
        return in_company & or_(
            User.id == actor.id, User.crew_id.in_(crews_on_sites), User.id.in_(staff_on_sites)
        )
    if role is Role.FOREMAN:
        led = select(Crew.id).where(Crew.foreman_id == actor.id)
        return in_company & or_(User.id == actor.id, User.crew_id.in_(led))
    return User.id == actor.id


def visible_projects(actor: Actor) -> ColumnElement[bool]:
    in_company = Project.company_id == actor.company_id
    if actor.role is Role.ADMIN:
        return in_company
    if actor.role is Role.MANAGER:
        return in_company & Project.id.in_(
            select(project_members.c.project_id).where(project_members.c.user_id == actor.id)
        )
    return false()


async def get_visible_site(session: AsyncSession, actor: Actor, site_id: uuid.UUID) -> Site:
    site = await session.scalar(select(Site).where(Site.id == site_id, visible_sites(actor)))
    if site is None:
        raise NotFound("No such site", code="site_not_found")
    return site


async def get_visible_user(session: AsyncSession, actor: Actor, user_id: uuid.UUID) -> User:
    user = await session.scalar(select(User).where(User.id == user_id, visible_users(actor)))
    if user is None:
        raise NotFound("No such user", code="user_not_found")
    return user


def visible_crews(actor: Actor) -> ColumnElement[bool]:
    return (Crew.company_id == actor.company_id) & Crew.site_id.in_(
        select(Site.id).where(visible_sites(actor))
    )


async def get_visible_crew(session: AsyncSession, actor: Actor, crew_id: uuid.UUID) -> Crew:
    crew = await session.scalar(select(Crew).where(Crew.id == crew_id, visible_crews(actor)))
    if crew is None:
        raise NotFound("No such crew", code="crew_not_found")
    return crew


# Who may create or promote whom: nobody hands out a role above their own.
GRANTABLE_ROLES: dict[Role, frozenset[Role]] = {
    Role.ADMIN: TENANT_ROLES,
    Role.MANAGER: frozenset({Role.SAFETY_OFFICER, Role.FOREMAN, Role.WORKER}),
}


def check_can_grant(actor: Actor, role: Role) -> None:
    if role not in GRANTABLE_ROLES.get(actor.role, frozenset()):
        raise Forbidden(
            f"A {actor.role.value} cannot assign the role {role.value}", code="role_not_grantable"
        )
