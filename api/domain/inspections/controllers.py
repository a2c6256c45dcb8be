"""HTTP routes for inspections."""

from __future__ import annotations

import uuid

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, FromQuery, JSONBody, MultipartBody
from sqlalchemy.ext.asyncio import AsyncSession

from api.config import Settings
from api.domain.inspections import services
from api.domain.inspections.schemas import InspectionIn, InspectionOut, InspectionPage
from api.domain.photos.controllers import UPLOAD_DESCRIPTION, photo_response, read_photo_form
from api.domain.photos.schemas import PhotoForm, PhotoOut
from api.lib.authz import allow_tenant_roles
from api.lib.context import Actor
from api.lib.idempotency import create_response
from api.lib.pagination import PageParams
from api.lib.uploads import configured_upload_route
from storage.s3 import ObjectStore


class InspectionController(Controller):
    path = "/api/inspections"
    tags = ["inspections"]

    @post(
        "/",
        opt=allow_tenant_roles(),
        responses={200: ResponseSpec(data_container=InspectionOut, description="Replay")},
        summary="Start an inspection on a site (idempotent by client id)",
    )
    async def create(
        self,
        data: JSONBody[InspectionIn],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
    ) -> Response[InspectionOut]:
        return await create_response(
            db_session,
            actor,
            scope="inspection",
            data=data,
            create=services.create_inspection,
            out=InspectionOut,
        )

    @get("/", opt=allow_tenant_roles(), summary="Inspections visible to the caller, newest first")
    async def list(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        page: NamedDependency[PageParams],
        settings: NamedDependency[Settings],
        store: NamedDependency[ObjectStore],
        site_id: FromQuery[uuid.UUID | None] = None,
    ) -> InspectionPage:
        items, total = await services.list_inspections(
            db_session, actor, store, settings, page, site_id
        )
        return page.of(items, total)  # type: ignore[arg-type]

    @get("/{inspection_id:uuid}", opt=allow_tenant_roles(), summary="One inspection with photos")
    async def show(
        self,
        inspection_id: FromPath[uuid.UUID],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        settings: NamedDependency[Settings],
        store: NamedDependency[ObjectStore],
    ) -> InspectionOut:
        body = await services.show_inspection(db_session, actor, store, settings, inspection_id)
        return body  # type: ignore[return-value]

    @post(
        "/{inspection_id:uuid}/photos",
        opt=allow_tenant_roles(),
        responses={200: ResponseSpec(data_container=PhotoOut, description="Replay")},
        summary="Upload a photo into an inspection",
        description=UPLOAD_DESCRIPTION,
        **configured_upload_route(),
    )
    async def upload(
        self,
        inspection_id: FromPath[uuid.UUID],
        data: MultipartBody[PhotoForm],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        settings: NamedDependency[Settings],
        store: NamedDependency[ObjectStore],
    ) -> Response[PhotoOut]:
        meta, content = await read_photo_form(data, settings)
        ingested = await services.add_photo(
            db_session, actor, store, settings, inspection_id, meta, content
        )
        return photo_response(ingested, store, settings)
