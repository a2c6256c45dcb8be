"""HTTP routes for projects, sites, site staff and crews."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, Response, delete, get, patch, post, put
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from api.db.models import Role
from api.domain.sites import services
from api.domain.sites.schemas import (
    CrewIn,
    CrewOut,
    CrewPage,
    ProjectIn,
    ProjectOut,
    ProjectPage,
    SiteIn,
    SiteMatches,
    SiteOut,
    SitePage,
    SitePatch,
)
from api.lib.authz import allow, allow_tenant_roles
from api.lib.context import Actor
from api.lib.idempotency import create_response
from api.lib.pagination import PageParams

STAFF = (Role.ADMIN, Role.MANAGER)


class SiteController(Controller):
    path = "/api/sites"
    tags = ["sites"]

    @post(
        "/",
        opt=allow(*STAFF),
        responses={200: ResponseSpec(data_container=SiteOut, description="Replay")},
        summary="Create a site with a GeoJSON Polygon or MultiPolygon geofence",
    )
    async def create(
        self,
        data: JSONBody[SiteIn],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
    ) -> Response[SiteOut]:
        return await create_response(
            db_session, actor, scope="site", data=data, create=services.create_site, out=SiteOut
        )

    @get("/", opt=allow_tenant_roles(), summary="Sites visible to the caller")
    async def list(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        page: NamedDependency[PageParams],
        project_id: FromQuery[uuid.UUID | None] = None,
    ) -> SitePage:
        items, total = await services.list_sites(db_session, actor, page, project_id)
        return page.of(items, total)

    @get(
        "/locate",
        opt=allow_tenant_roles(),
        summary="Which of my sites is this position in or near (nearest first)",
    )
    async def locate(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        lat: FromQuery[float],
        lon: FromQuery[float],
        accuracy_m: Annotated[float, QueryParameter(ge=0, le=10000)] = 0.0,
    ) -> SiteMatches:
        return SiteMatches(items=await services.locate(db_session, actor, lat, lon, accuracy_m))

    @get("/{site_id:uuid}", opt=allow_tenant_roles(), summary="One site")
    async def get(
        self,
        site_id: FromPath[uuid.UUID],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
    ) -> SiteOut:
        return await services.get_site(db_session, actor, site_id)

    @patch("/{site_id:uuid}", opt=allow(*STAFF), summary="Change a site")
    async def update(
        self,
        site_id: FromPath[uuid.UUID],
        data: JSONBody[SitePatch],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
    ) -> SiteOut:
        return await services.patch_site(db_session, actor, site_id, data)

    @put(
        "/{site_id:uuid}/staff/{user_id:uuid}",
        opt=allow(*STAFF),
        status_code=204,
        summary="Assign a person (e.g. a safety officer) to a site",
    )
    async def add_staff(
        self,
        site_id: FromPath[uuid.UUID],
        user_id: FromPath[uuid.UUID],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
    ) -> None:
        await services.set_staff(db_session, actor, site_id, user_id, assign=True)

    @delete(
        "/{site_id:uuid}/staff/{user_id:uuid}",
        opt=allow(*STAFF),
        summary="Remove a person from a site's staff",
    )
    async def remove_staff(
        self,
        site_id: FromPath[uuid.UUID],
        user_id: FromPath[uuid.UUID],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
    ) -> None:
        await services.set_staff(db_session, actor, site_id, user_id, assign=False)


class ProjectController(Controller):
    path = "/api/projects"
    tags = ["sites"]

    @post("/", opt=allow(Role.ADMIN), summary="Create a project (a group of sites)")
    async def create(
        self,
        data: JSONBody[ProjectIn],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
    ) -> ProjectOut:
        return await services.create_project(db_session, actor, data)

    @get("/", opt=allow(*STAFF), summary="Projects visible to the caller")
    async def list(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        page: NamedDependency[PageParams],
    ) -> ProjectPage:
        items, total = await services.list_projects(db_session, actor, page)
        return page.of(items, total)

    @put(
        "/{project_id:uuid}/members/{user_id:uuid}",
        opt=allow(Role.ADMIN),
        status_code=204,
        summary="Make a manager a member of a project",
    )
    async def add_member(
        self,
        project_id: FromPath[uuid.UUID],
        user_id: FromPath[uuid.UUID],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
    ) -> None:
        await services.set_project_member(db_session, actor, project_id, user_id, assign=True)

    @delete(
        "/{project_id:uuid}/members/{user_id:uuid}",
        opt=allow(Role.ADMIN),
        summary="Remove a member from a project",
    )
    async def remove_member(
        self,
        project_id: FromPath[uuid.UUID],
        user_id: FromPath[uuid.UUID],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
    ) -> None:
        await services.set_project_member(db_session, actor, project_id, user_id, assign=False)


class CrewController(Controller):
    path = "/api/crews"
    tags = ["sites"]

    @post(
        "/",
        opt=allow(*STAFF),
        responses={200: ResponseSpec(data_container=CrewOut, description="Replay")},
        summary="Create a crew on a site",
    )
    async def create(
        self,
        data: JSONBody[CrewIn],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
    ) -> Response[CrewOut]:
        return await create_response(
            db_session, actor, scope="crew", data=data, create=services.create_crew, out=CrewOut
        )

    @get(
        "/",
        opt=allow(Role.ADMIN, Role.MANAGER, Role.SAFETY_OFFICER, Role.FOREMAN),
        summary="Crews on the caller's sites",
    )
    async def list(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        page: NamedDependency[PageParams],
        site_id: FromQuery[uuid.UUID | None] = None,
    ) -> CrewPage:
        items, total = await services.list_crews(db_session, actor, page, site_id)
        return page.of(items, total)
