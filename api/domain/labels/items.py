"""The routes every kind of QR-labelled item has, written once: its label as SVG or PNG,
an A4 sheet of a site's labels, and the XLSX/CSV import.

A kind (equipment, material batches) is a `LabelledItem`; its controller places the
routes made here among its own, with its own summaries. Paths, parameters and responses
are what each controller had when it wrote them out itself.
"""

# No `from __future__ import annotations`: the route handlers below are made per kind,
# and Litestar reads their annotations (the path parameter's name among them) at runtime.

import uuid
from dataclasses import dataclass
from typing import Annotated, Any

from litestar import MediaType, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromQuery, MultipartBody, PathParameter, QueryParameter
from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from api.db.models import Role, Site
from api.domain.labels.drawing import Label
from api.domain.labels.imports import (
    MAX_IMPORT_BYTES,
    Importer,
    ImportForm,
    ImportResult,
    parse_site_id,
    read_import,
    run_import,
)
from api.domain.labels.qr import scan_url
from api.domain.labels.responses import (
    LABEL_MEDIA_TYPES,
    LabelFormat,
    label_response,
    sheet_response,
)
from api.lib.authz import allow, get_visible_site, visible_sites
from api.lib.context import Actor
from api.lib.errors import Invalid, NotFound
from api.lib.uploads import upload_route

# A sheet is one print run; a whole ledger is printed site by site.
MAX_SHEET_LABELS = 1000

ModulePx = Annotated[int, QueryParameter(ge=2, le=40, description="pixels per QR module")]


@dataclass(frozen=True)
class LabelledItem:
    """What the label, sheet and import routes need to know about one kind of item."""

    model: Any  # an ORM class with id, company_id, site_id, code and created_at columns
    name: ColumnElement[str] | InstrumentedAttribute[str]  # what a label prints over its code
    path_param: str  # the item's id in the routes' paths ("equipment_id")
    not_found: type[NotFound]  # raised for an id the caller cannot see
    sheet_title: str  # after the site's name: "equipment labels"
    importer: Importer
    roles: tuple[Role, ...]  # who may print labels and import
    # The items a sheet holds when no ids are chosen (all of the site's when None).
    sheet_filter: ColumnElement[bool] | None = None


async def item_label(
    session: AsyncSession, actor: Actor, kind: LabelledItem, item_id: uuid.UUID, base: str
) -> Label:
    model = kind.model
    row = (
        await session.execute(
            select(model.code, kind.name.label("name"))
            .join(Site, Site.id == model.site_id)
            .where(model.id == item_id, model.company_id == actor.company_id, visible_sites(actor))
        )
    ).first()
    if row is None:
        raise kind.not_found()
    return Label(payload=scan_url(base, row.code), code=row.code, name=row.name)


async def sheet_labels(
    session: AsyncSession,
    actor: Actor,
    kind: LabelledItem,
    base: str,
    site_id: uuid.UUID,
    ids: list[uuid.UUID] | None,
) -> tuple[list[Label], str]:
    """Labels of a site's items: the ones chosen by id, else those the kind's sheet
    filter keeps, in the order they were registered (and are usually labelled). Returns
    them with the site's name for the sheet's title."""
    model = kind.model
    site = await get_visible_site(session, actor, site_id)
    query = select(model.code, kind.name.label("name")).where(
        model.site_id == site.id, model.company_id == actor.company_id
    )
    if ids:
        query = query.where(model.id.in_(ids))
    elif kind.sheet_filter is not None:
        query = query.where(kind.sheet_filter)
    rows = (
        await session.execute(
            query.order_by(model.created_at, model.id).limit(MAX_SHEET_LABELS + 1)
        )
    ).all()
    if len(rows) > MAX_SHEET_LABELS:
        raise Invalid(
            f"more than {MAX_SHEET_LABELS} labels on one sheet; choose them with ids",
            code="too_many_labels",
        )
    labels = [Label(payload=scan_url(base, r.code), code=r.code, name=r.name) for r in rows]
    return labels, site.name


def _label_of(kind: LabelledItem) -> Provide:
    """The label of the item a route's path names, as a dependency of that route."""

    async def label(
        item_id: Annotated[uuid.UUID, PathParameter(name=kind.path_param)],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        base: NamedDependency[str],
    ) -> Label:
        return await item_label(db_session, actor, kind, item_id, base)

    return Provide(label)


def _label_get(kind: LabelledItem, fmt: LabelFormat, summary: str) -> get:
    return get(
        f"/{{{kind.path_param}:uuid}}/label.{fmt}",
        opt=allow(*kind.roles),
        summary=summary,
        media_type=LABEL_MEDIA_TYPES[fmt],
        dependencies={"label": _label_of(kind)},
    )


def label_svg_route(kind: LabelledItem, *, summary: str) -> HTTPRouteHandler:
    @_label_get(kind, "svg", summary)
    async def label_svg(self: Any, label: NamedDependency[Label]) -> Response[bytes]:
        return await label_response(label, "svg", 10)

    return label_svg


def label_png_route(kind: LabelledItem, *, summary: str) -> HTTPRouteHandler:
    @_label_get(kind, "png", summary)
    async def label_png(
        self: Any, label: NamedDependency[Label], scale: ModulePx = 10
    ) -> Response[bytes]:
        return await label_response(label, "png", scale)

    return label_png


def label_sheet_route(kind: LabelledItem, *, summary: str) -> HTTPRouteHandler:
    @get("/labels.html", opt=allow(*kind.roles), media_type=MediaType.HTML, summary=summary)
    async def label_sheet(
        self: Any,
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        base: NamedDependency[str],
        site_id: FromQuery[uuid.UUID],
        ids: FromQuery[list[uuid.UUID] | None] = None,
    ) -> Response[bytes]:
        labels, site_name = await sheet_labels(db_session, actor, kind, base, site_id, ids)
        return await sheet_response(labels, f"{site_name}: {kind.sheet_title}")

    return label_sheet


def import_route(kind: LabelledItem, *, summary: str, description: str) -> HTTPRouteHandler:
    @post(
        "/import",
        opt=allow(*kind.roles),
        status_code=200,
        summary=summary,
        description=description,
        **upload_route(MAX_IMPORT_BYTES),
    )
    async def import_file(
        self: Any,
        data: MultipartBody[ImportForm],
        db_session: NamedDependency[AsyncSession],
        actor: NamedDependency[Actor],
        dry_run: FromQuery[bool] = False,
    ) -> ImportResult:
        table = await read_import(data)
        return await run_import(
            db_session,
            actor,
            kind.importer,
            table,
            default_site_id=parse_site_id(data.site_id),
            dry_run=dry_run,
        )

    return import_file
