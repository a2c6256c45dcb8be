"""HTTP routes of the equipment ledger: items, labels, events, maintenance, import/export.

Who may do what (tests/authz/equipment.py writes it out): admins and managers register,
edit, plan, label, import and export; safety officers inspect, close defects and
export; foremen and everyone above them record maintenance; every tenant role sees the
items of their sites, reports defects and checks items out and in.
"""

from __future__ import annotations

import uuid
from typing import Annotated

import anyio.to_thread
from litestar import Controller, Response, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from api.db.models import Equipment, EquipmentEventKind, Role
from api.domain.equipment import events, imports, plans, services
from api.domain.equipment.ledger import EquipmentNotFound
from api.domain.equipment.schemas import (
    DefectClose,
    DueList,
    EquipmentIn,
    EquipmentOut,
    EquipmentPage,
    EquipmentPatch,
    EventIn,
    EventOut,
    EventPage,
    PlanIn,
    PlanList,
    PlanOut,
)
from api.domain.labels import items
from api.domain.labels.items import LabelledItem
from api.domain.labels.qr import public_base
from api.lib.authz import allow, allow_tenant_roles, get_visible_site
from api.lib.context import Actor
from api.lib.idempotency import create_response
from api.lib.pagination import PageParams
from api.lib.spreadsheets import write_xlsx

REGISTRARS = (Role.ADMIN, Role.MANAGER)
PLANNERS_VIEW = (Role.ADMIN, Role.MANAGER, Role.SAFETY_OFFICER, Role.FOREMAN)
EXPORTERS = (Role.ADMIN, Role.MANAGER, Role.SAFETY_OFFICER)
DEFECT_CLOSERS = (Role.ADMIN, Role.MANAGER, Role.SAFETY_OFFICER)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LABELS = LabelledItem(
    model=Equipment,
    name=Equipment.name,
    path_param="equipment_id",
    not_found=EquipmentNotFound,
    sheet_title="equipment labels",
    importer=imports.EQUIPMENT_IMPORT,
    roles=REGISTRARS,
    sheet_filter=Equipment.is_active.is_(True),
)


class EquipmentController(Controller):
    path = "/api/equipment"
    tags = ["equipment"]
    dependencies = {"base": Provide(public_base, sync_to_thread=False)}

    @post(
        "/",
        opt=allow(*REGISTRARS),
        responses={200: ResponseSpec(data_container=EquipmentOut, description="Replay")},
        summary="Register an item; it gets a short QR code (idempotent by client id)",
    )
    async def create(
        self,
        data: JSONBody[EquipmentIn],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        base: NamedDependency[str],
    ) -> Response[EquipmentOut]:
        return await create_response(
            db_session,
            actor,
            scope="equipment",
            data=data,
            create=lambda s, a, d: services.create_equipment(s, a, d, base),
            out=EquipmentOut,
        )

    @get("/", opt=allow_tenant_roles(), summary="Items on the caller's sites, newest first")
    async def list_items(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        page: NamedDependency[PageParams],
        base: NamedDependency[str],
        site_id: FromQuery[uuid.UUID | None] = None,
        holder_id: FromQuery[uuid.UUID | None] = None,
        q: Annotated[str | None, QueryParameter(max_length=100)] = None,
    ) -> EquipmentPage:
        items, total = await services.list_equipment(
            db_session, actor, page, base, site_id=site_id, q=q, holder_id=holder_id
        )
        return page.of(items, total)

    @get(
        "/due",
        opt=allow(*PLANNERS_VIEW),
        summary="Maintenance due or overdue and inspection certificates expiring, soonest first",
    )
    async def due(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        site_id: FromQuery[uuid.UUID | None] = None,
        within_days: Annotated[int, QueryParameter(ge=0, le=365)] = 7,
    ) -> DueList:
        return await plans.due_list(db_session, actor, site_id, within_days)

    label_sheet = items.label_sheet_route(
        LABELS,
        summary="A print-ready A4 sheet of labels: a site's active items, or the ids given",
    )

    @get(
        "/export.xlsx",
        opt=allow(*EXPORTERS),
        media_type=XLSX,
        summary="The ledger as an XLSX file (one site, or every site the caller sees)",
    )
    async def export(
        self,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        base: NamedDependency[str],
        site_id: FromQuery[uuid.UUID | None] = None,
    ) -> Response[bytes]:
        if site_id is not None:
            await get_visible_site(db_session, actor, site_id)
        rows = await imports.export_rows(db_session, actor, base, site_id)
        body = await anyio.to_thread.run_sync(write_xlsx, "Equipment", imports.EXPORT_HEADERS, rows)
        return Response(
            body,
            media_type=XLSX,
            headers={"Content-Disposition": 'attachment; filename="equipment.xlsx"'},
        )

    import_file = items.import_route(
        LABELS,
        summary="Import items from XLSX/CSV: good rows are registered, bad rows reported",
        description=(
            "Multipart `file` (XLSX or CSV, at most 10 MB / 10,000 rows) and optional "
            "`site_id` for rows without a `site` column. Columns: name*, category*, model, "
            "serial_no, owner, rented, certificate_no, certificate_expires_on, site. "
            "Valid rows only: every bad row is reported as {row, field, message} and the "
            "others are registered together; `?dry_run=true` only checks. 422 "
            "`import_columns_missing` or `file_invalid` imports nothing."
        ),
    )

    @get("/{equipment_id:uuid}", opt=allow_tenant_roles(), summary="One item")
    async def get_item(
        self,
        equipment_id: FromPath[uuid.UUID],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        base: NamedDependency[str],
    ) -> EquipmentOut:
        return await services.get_equipment(db_session, actor, equipment_id, base)

    @patch(
        "/{equipment_id:uuid}",
        opt=allow(*REGISTRARS),
        summary="Change an item: move it to another site, rename, renew its certificate, retire",
    )
    async def update(
        self,
        equipment_id: FromPath[uuid.UUID],
        data: JSONBody[EquipmentPatch],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        base: NamedDependency[str],
    ) -> EquipmentOut:
        return await services.patch_equipment(db_session, actor, equipment_id, data, base)

    label_svg = items.label_svg_route(LABELS, summary="The item's QR label as SVG (50 mm wide)")
    label_png = items.label_png_route(
        LABELS, summary="The item's QR label as PNG (300 dpi at the default 10 px per module)"
    )

    @post(
        "/{equipment_id:uuid}/events",
        opt=allow_tenant_roles(),
        responses={200: ResponseSpec(data_container=EventOut, description="Replay")},
        summary="Record an inspection, maintenance, check-out, check-in or defect",
        description=(
            "Idempotent by client `id`. 403 `event_kind_forbidden`: inspections are for "
            "admins, managers and safety officers, maintenance also for foremen. 409 "
            "`already_checked_out`, `not_checked_out`, `equipment_defective`, "
            "`certificate_expired`, `equipment_retired`; 422 `holder_required`."
        ),
    )
    async def create_event(
        self,
        equipment_id: FromPath[uuid.UUID],
        data: JSONBody[EventIn],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
    ) -> Response[EventOut]:
        return await create_response(
            db_session,
            actor,
            # The item is part of what the id stands for: the same id sent for another
            # item is a clash, not a replay.
            scope=f"equipment_event:{equipment_id}",
            data=data,
            create=lambda s, a, d: events.create_event(s, a, equipment_id, d),
            out=EventOut,
        )

    @get(
        "/{equipment_id:uuid}/events",
        opt=allow_tenant_roles(),
        summary="The item's history, newest first",
    )
    async def list_events(
        self,
        equipment_id: FromPath[uuid.UUID],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        page: NamedDependency[PageParams],
        kind: FromQuery[EquipmentEventKind | None] = None,
    ) -> EventPage:
        items, total = await events.list_events(db_session, actor, equipment_id, page, kind)
        return page.of(items, total)

    @post(
        "/{equipment_id:uuid}/events/{event_id:uuid}/close",
        opt=allow(*DEFECT_CLOSERS),
        status_code=200,
        summary="Close an open defect: the item is fit for use again",
    )
    async def close_defect(
        self,
        equipment_id: FromPath[uuid.UUID],
        event_id: FromPath[uuid.UUID],
        data: JSONBody[DefectClose],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
    ) -> EventOut:
        return await events.close_defect(db_session, actor, equipment_id, event_id, data)

    @post(
        "/{equipment_id:uuid}/maintenance-plans",
        opt=allow(*REGISTRARS),
        responses={200: ResponseSpec(data_container=PlanOut, description="Replay")},
        summary="Plan maintenance every N days",
    )
    async def create_plan(
        self,
        equipment_id: FromPath[uuid.UUID],
        data: JSONBody[PlanIn],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
    ) -> Response[PlanOut]:
        return await create_response(
            db_session,
            actor,
            scope=f"maintenance_plan:{equipment_id}",
            data=data,
            create=lambda s, a, d: plans.create_plan(s, a, equipment_id, d),
            out=PlanOut,
        )

    @get(
        "/{equipment_id:uuid}/maintenance-plans",
        opt=allow_tenant_roles(),
        summary="The item's maintenance plans, soonest due first",
    )
    async def list_plans(
        self,
        equipment_id: FromPath[uuid.UUID],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
    ) -> PlanList:
        return PlanList(items=await plans.list_plans(db_session, actor, equipment_id))
