"""HTTP routes for punches, their review, and attendance reports."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

import anyio.to_thread
from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Body, FromPath, FromQuery, JSONBody, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from api.config import Settings
from api.db.models import PunchStatus, Role
from api.domain.attendance import punches, reports, services
from api.domain.attendance.schemas import (
    CosignIn,
    DailyBoard,
    ExportFormat,
    PunchForm,
    PunchMeta,
    PunchOut,
    PunchPage,
    ReviewIn,
)
from api.lib.authz import allow, allow_tenant_roles
from api.lib.context import Actor
from api.lib.dates import in_range, instant_query, parse_instant
from api.lib.pagination import PageParams
from api.lib.spreadsheets import write_csv, write_xlsx
from api.lib.uploads import parse_meta, upload_route
from api.server.openapi_docs import success_media_types
from storage.s3 import ObjectStore

_CONTENT_TYPES = {
    # Litestar adds "; charset=utf-8" to text/* itself (naming it here doubled it).
    ExportFormat.CSV: "text/csv",
    ExportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class AttendanceController(Controller):
    path = "/api/attendance"
    tags = ["attendance"]

    @post(
        "/punches",
        opt=allow_tenant_roles(),
        **upload_route(punches.SELFIE_MAX_BYTES),
        responses={200: ResponseSpec(data_container=PunchOut, description="Replay")},
        summary="Punch in or out with a selfie (multipart: selfie + meta JSON)",
        description=(
            "Always stored, whatever the verdict: `status` accepted, review or rejected "
            "with `reasons`. Idempotent by meta.id (a resend replays the first answer)."
        ),
    )
    async def punch(
        self,
        data: Annotated[PunchForm, Body(media_type=RequestEncodingType.MULTI_PART)],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        settings: NamedDependency[Settings],
        store: NamedDependency[ObjectStore],
    ) -> Response[PunchOut]:
        meta = parse_meta(data.meta, PunchMeta)
        selfie = await punches.read_selfie(data.selfie)
        outcome = await punches.record_punch(db_session, actor, settings, store, meta, selfie)
        return outcome.response()

    @get("/punches", opt=allow_tenant_roles(), summary="Punches the caller may see, newest first")
    async def list_punches(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        page: NamedDependency[PageParams],
        store: NamedDependency[ObjectStore],
        site_id: FromQuery[uuid.UUID | None] = None,
        user_id: FromQuery[uuid.UUID | None] = None,
        since_raw: Annotated[str | None, instant_query("from")] = None,
        until_raw: Annotated[str | None, instant_query("to")] = None,
        status: FromQuery[PunchStatus | None] = None,
    ) -> PunchPage:
        since = parse_instant(since_raw, "from")
        until = parse_instant(until_raw, "to")
        items, total = await services.list_punches(
            db_session,
            actor,
            store,
            page,
            site_id=site_id,
            user_id=user_id,
            since=since,
            until=until,
            status=status,
        )
        return page.of(items, total)

    @get("/punches/{punch_id:uuid}", opt=allow_tenant_roles(), summary="One punch")
    async def get_punch(
        self,
        punch_id: FromPath[uuid.UUID],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        store: NamedDependency[ObjectStore],
    ) -> PunchOut:
        return await services.get_punch(db_session, actor, store, punch_id)

    @post(
        "/punches/{punch_id:uuid}/cosign",
        opt=allow(Role.ADMIN, Role.MANAGER, Role.FOREMAN),
        status_code=200,
        summary="Vouch in person for a worker without face consent (cosign_required)",
    )
    async def cosign(
        self,
        punch_id: FromPath[uuid.UUID],
        data: JSONBody[CosignIn],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        store: NamedDependency[ObjectStore],
    ) -> PunchOut:
        return await services.cosign(db_session, actor, store, punch_id, data)

    @post(
        "/punches/{punch_id:uuid}/review",
        opt=allow(Role.ADMIN, Role.MANAGER),
        status_code=200,
        summary="Accept or reject a punch in review",
    )
    async def review(
        self,
        punch_id: FromPath[uuid.UUID],
        data: JSONBody[ReviewIn],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        store: NamedDependency[ObjectStore],
    ) -> PunchOut:
        return await services.review(db_session, actor, store, punch_id, data)

    @get(
        "/daily",
        opt=allow(Role.ADMIN, Role.MANAGER, Role.SAFETY_OFFICER, Role.FOREMAN),
        summary="One site's day: each crew member's first in, last out, minutes, status",
    )
    async def daily(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        settings: NamedDependency[Settings],
        site_id: FromQuery[uuid.UUID],
        day: Annotated[date, QueryParameter(name="date")],
    ) -> DailyBoard:
        day = in_range(day, "date")
        return await reports.daily_board(db_session, actor, settings, site_id, day)

    @get(
        "/export",
        opt=allow(Role.ADMIN, Role.MANAGER),
        summary="Punches of a site over a date range as CSV or XLSX",
        response_description="A file download (Content-Disposition: attachment)",
        media_type=_CONTENT_TYPES[ExportFormat.CSV],
        operation_class=success_media_types(_CONTENT_TYPES[ExportFormat.XLSX]),
    )
    async def export(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        site_id: FromQuery[uuid.UUID],
        first: Annotated[date, QueryParameter(name="from")],
        last: Annotated[date, QueryParameter(name="to")],
        format: FromQuery[ExportFormat] = ExportFormat.CSV,
    ) -> Response[bytes]:
        first, last = in_range(first, "from"), in_range(last, "to")
        data = await reports.export_rows(db_session, actor, site_id, first, last)
        header = reports.EXPORT_HEADER
        if format is ExportFormat.XLSX:
            content = await anyio.to_thread.run_sync(write_xlsx, data.site_name, header, data.rows)
        else:
            content = await anyio.to_thread.run_sync(write_csv, header, data.rows)
        filename = f"attendance_{first.isoformat()}_{last.isoformat()}.{format.value}"
        return Response(
            content,
            media_type=_CONTENT_TYPES[format],
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
