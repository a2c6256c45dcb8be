"""HTTP routes for the review queue and rectifications."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.response import Stream
from sqlalchemy.ext.asyncio import AsyncSession

from api.config import Settings
from api.domain.hazards import feedback, quality, services
from api.domain.hazards.schemas import (
    CloseIn,
    FlaggedPage,
    HazardOut,
    HazardPage,
    ModelOut,
    PrecisionOut,
    RectificationOut,
    RectificationPage,
    ReviewIn,
)
from api.lib.authz import allow, allow_tenant_roles
from api.lib.context import Actor
from api.lib.dates import instant_query, parse_instant
from api.lib.pagination import PageParams
from storage.s3 import ObjectStore


class HazardController(Controller):
    path = "/api/hazards"
    tags = ["hazards"]

    @get(
        "/",
        opt=allow(*services.REVIEWERS),
        summary="The review queue: photos the model flagged, surest first when open",
    )
    async def list(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        page: NamedDependency[PageParams],
        settings: NamedDependency[Settings],
        store: NamedDependency[ObjectStore],
        site_id: FromQuery[uuid.UUID | None] = None,
        status: FromQuery[Literal["open", "confirmed", "dismissed"] | None] = None,
    ) -> HazardPage:
        items, total = await services.list_hazards(
            db_session, actor, store, settings, page, site_id, status
        )
        model = await quality.report(db_session, actor, settings, site_id, strict_site=False)
        return FlaggedPage(
            items=items,
            total=total,
            limit=page.limit,
            offset=page.offset,
            model=model,  # type: ignore[arg-type]
        )

    @get(
        "/model",
        opt=allow(*services.REVIEWERS),
        summary="The hazard model in use: evaluated recall and precision, reviewers' verdicts",
        description=(
            "`evaluation` comes from the model's evaluation summary (`*.eval.json`): "
            "`available: false` with a `reason` when there is none for this exact model "
            "file, `stale: true` when it was measured under other thresholds than the "
            "policy applies. `live` counts reviewers' decisions on this model's flags on "
            "`site_id` (404 when not visible) or on every visible site."
        ),
    )
    async def model(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        settings: NamedDependency[Settings],
        site_id: FromQuery[uuid.UUID | None] = None,
    ) -> ModelOut:
        body = await quality.report(db_session, actor, settings, site_id)
        return body  # type: ignore[return-value]

    @get(
        "/precision",
        opt=allow(*services.REVIEWERS),
        summary="How often the model's flags were right, per site and model",
        description=(
            "confirmed / (confirmed + dismissed), null while nothing is reviewed. "
            "`since`/`until` (with an offset) bound the review time; open hazards count "
            "by when they were flagged."
        ),
    )
    async def precision(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        site_id: FromQuery[uuid.UUID | None] = None,
        since: Annotated[str | None, instant_query()] = None,
        until: Annotated[str | None, instant_query()] = None,
    ) -> PrecisionOut:
        window = feedback.review_window(
            parse_instant(since, "since"), parse_instant(until, "until")
        )
        items = await feedback.precision(db_session, actor, site_id, window)
        return PrecisionOut(items=items, since=window.since, until=window.until)  # type: ignore[arg-type]

    @get(
        "/export",
        opt=allow(*services.REVIEWERS),
        summary="Reviewed photos as a YOLO dataset (zip) for retraining",
        media_type="application/zip",
        description=(
            "images/, labels/ (`class cx cy w h`, normalised), data.yaml, README.txt, "
            "manifest.csv. Newest reviews first; `limit` 1..1000 (default 200), 422 "
            "`validation_error` outside that."
        ),
        response_description="application/zip (Content-Disposition: attachment)",
    )
    async def export(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        settings: NamedDependency[Settings],
        store: NamedDependency[ObjectStore],
        site_id: FromQuery[uuid.UUID | None] = None,
        since: Annotated[str | None, instant_query()] = None,
        until: Annotated[str | None, instant_query()] = None,
        limit: FromQuery[int] = feedback.DEFAULT_EXPORT_LIMIT,
    ) -> Stream:
        window = feedback.review_window(
            parse_instant(since, "since"), parse_instant(until, "until")
        )
        built = await feedback.export(db_session, actor, store, site_id, window, limit, settings)
        return Stream(
            built.chunks(),
            media_type="application/zip",
            headers={
                "Content-Disposition": f'attachment; filename="{built.filename}"',
                "Content-Length": str(built.size),
                "X-Export-Photos": str(built.photos),
                "X-Export-Matched": str(built.matched),
            },
        )

    @post(
        "/{hazard_id:uuid}/review",
        opt=allow(*services.REVIEWERS),
        status_code=200,
        summary="Confirm (opens a rectification) or dismiss (a false positive)",
        description="409 `already_reviewed` when the hazard was decided before.",
    )
    async def review(
        self,
        hazard_id: FromPath[uuid.UUID],
        data: JSONBody[ReviewIn],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        settings: NamedDependency[Settings],
        store: NamedDependency[ObjectStore],
    ) -> HazardOut:
        return await services.review(db_session, actor, store, settings, hazard_id, data)


class RectificationController(Controller):
    path = "/api/rectifications"
    tags = ["hazards"]

    @get(
        "/",
        opt=allow_tenant_roles(),
        summary="Fixes on my sites (reviewers) or assigned to me; ?overdue=true for late ones",
    )
    async def list(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        page: NamedDependency[PageParams],
        site_id: FromQuery[uuid.UUID | None] = None,
        status: FromQuery[Literal["open", "verifying", "closed"] | None] = None,
        overdue: FromQuery[bool | None] = None,
    ) -> RectificationPage:
        items, total = await services.list_rectifications(
            db_session, actor, page, site_id, status, overdue
        )
        return page.of(items, total)

    @post(
        "/{rectification_id:uuid}/close",
        opt=allow_tenant_roles(),
        responses={
            202: ResponseSpec(
                data_container=RectificationOut,
                description="The after photo is still being checked (status verifying)",
            )
        },
        status_code=200,
        summary="Close with an after photo the model no longer flags",
        description=(
            "409 `after_photo_flagged` when the model still sees the hazard (a reviewer "
            "closes again with `override: true` and a note to overrule it; anyone else "
            "gets 403 `override_not_allowed`); 202 while the after photo is still being "
            "checked. The after photo must be new: 422 `after_photo_invalid` for the "
            "hazard's own photo, 409 `after_photo_is_hazard` for a photo the model "
            "flagged as a hazard of its own, 409 `after_photo_in_use` for another fix's."
        ),
    )
    async def close(
        self,
        rectification_id: FromPath[uuid.UUID],
        data: JSONBody[CloseIn],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
    ) -> Response[RectificationOut]:
        body, status = await services.close(db_session, actor, rectification_id, data)
        return Response(body, status_code=status)
