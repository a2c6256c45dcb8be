"""HTTP routes for photos, and the upload steps every route that takes a photo shares."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, FromQuery, MultipartBody
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from api.config import Settings
from api.domain.hazards.jobs import queue_detection
from api.domain.photos.schemas import PhotoForm, PhotoOut
from api.domain.photos.services import (
    Ingested,
    PhotoMeta,
    get_visible_photo,
    ingest_photo,
    photo_body,
)
from api.lib.authz import allow_tenant_roles, get_visible_site
from api.lib.context import Actor
from api.lib.errors import Invalid
from api.lib.uploads import configured_upload_route, parse_meta, read_upload
from storage.s3 import ObjectStore

UPLOAD_DESCRIPTION = (
    "Multipart: `file` (JPEG, PNG, WebP, HEIC/HEIF or AVIF; the type is read from the "
    "bytes) and `meta`, a JSON string `{id, captured_at?, lat?, lon?}`. 201 first time, "
    "200 with the same photo for a resend of the same id and file, 409 `id_conflict` for "
    "the same id with another file. 413 `file_too_large` or `image_too_large` (pixels), "
    "422 `image_invalid`/`image_timeout`, 503 `storage_unavailable` (nothing stored; "
    "send again)."
)


def photo_response(ingested: Ingested, store: ObjectStore, settings: Settings) -> Response[Any]:
    photo = ingested.photo
    if photo.hazard_status == "pending":
        # Also on a resend: the first attempt may have died before queueing its check.
        queue_detection(photo.id)
    body = photo_body(photo, store, settings)
    return Response(body, status_code=201 if ingested.created else 200)


async def read_photo_form(data: PhotoForm, settings: Settings) -> tuple[PhotoMeta, bytes]:
    meta = parse_meta(data.meta, PhotoMeta)
    content = await read_upload(data.file, settings.uploads.max_bytes)
    return meta, content


class PhotoController(Controller):
    path = "/api/photos"
    tags = ["inspections"]

    @post(
        "/",
        opt=allow_tenant_roles(),
        responses={200: ResponseSpec(data_container=PhotoOut, description="Replay")},
        summary="Upload a photo to attach later (to a defect, receipt or rectification)",
        description=UPLOAD_DESCRIPTION.replace("`{id,", "`{id, site_id,"),
        **configured_upload_route(),
    )
    async def upload(
        self,
        data: MultipartBody[PhotoForm],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        settings: NamedDependency[Settings],
        store: NamedDependency[ObjectStore],
    ) -> Response[PhotoOut]:
        meta, content = await read_photo_form(data, settings)
        if meta.site_id is None:
            raise Invalid("meta.site_id is required for a photo without an inspection")
        site = await get_visible_site(db_session, actor, meta.site_id)
        ingested = await ingest_photo(
            db_session, store, settings, actor, site=site, meta=meta, data=content
        )
        return photo_response(ingested, store, settings)

    @get("/{photo_id:uuid}", opt=allow_tenant_roles(), summary="A photo with its hazard check")
    async def show(
        self,
        photo_id: FromPath[uuid.UUID],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        settings: NamedDependency[Settings],
        store: NamedDependency[ObjectStore],
    ) -> PhotoOut:
        photo = await get_visible_photo(db_session, actor, photo_id)
        return photo_body(photo, store, settings)  # type: ignore[return-value]

    @get(
        "/{photo_id:uuid}/file",
        opt=allow_tenant_roles(),
        summary="Redirect to a short-lived link to the image (rights checked first)",
        # What it answers: a 307 to the presigned link (the document said 200).
        status_code=307,
    )
    async def file(
        self,
        photo_id: FromPath[uuid.UUID],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        settings: NamedDependency[Settings],
        store: NamedDependency[ObjectStore],
        variant: FromQuery[Literal["full", "thumb"]] = "full",
    ) -> Redirect:
        photo = await get_visible_photo(db_session, actor, photo_id)
        key = photo.thumb_key if variant == "thumb" else photo.key
        url = store.presigned_get_url(key, expires_s=settings.uploads.presign_ttl_s)
        return Redirect(url, status_code=307, headers={"Cache-Control": "private, no-store"})
