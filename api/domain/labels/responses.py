"""QR labels over HTTP: which labels a sheet holds, and the responses (drawing runs in a
worker thread: segno, Pillow; the responses may not load or run anything, as the text
in them comes from users)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, Literal

import anyio.to_thread
from litestar import MediaType, Response
from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from api.domain.labels.drawing import LABEL_CSP, Label, label_png, label_sheet_html, label_svg
from api.domain.labels.qr import scan_url
from api.lib.authz import get_visible_site
from api.lib.context import Actor
from api.lib.errors import Invalid

LabelFormat = Literal["svg", "png"]
# Labels change only when an item is renamed; a reprint minutes later may reuse them.
_CACHE = "private, max-age=300"


async def label_response(label: Label, fmt: LabelFormat, module_px: int) -> Response[bytes]:
    if fmt == "svg":
        body = (await anyio.to_thread.run_sync(label_svg, label)).encode()
        media_type = "image/svg+xml"
    else:
        body = await anyio.to_thread.run_sync(label_png, label, module_px)
        media_type = "image/png"
    return Response(
        body,
        media_type=media_type,
        headers={
            "Content-Disposition": f'inline; filename="{label.code}.{fmt}"',
            "Content-Security-Policy": LABEL_CSP,
            "Cache-Control": _CACHE,
        },
    )


async def sheet_response(labels: Sequence[Label], title: str) -> Response[bytes]:
    page = await anyio.to_thread.run_sync(label_sheet_html, labels, title)
    return Response(
        page.encode(),
        # Litestar adds "; charset=utf-8" to text/* itself (naming it here doubled it).
        media_type=MediaType.HTML,
        headers={"Content-Security-Policy": LABEL_CSP, "Cache-Control": "private, no-store"},
    )


# A sheet is one print run; a whole ledger is printed site by site.
MAX_SHEET_LABELS = 1000


async def site_labels(
    session: AsyncSession,
    actor: Actor,
    base: str,
    model: Any,
    name: ColumnElement[str] | InstrumentedAttribute[str],
    site_id: uuid.UUID,
    ids: list[uuid.UUID] | None,
    default_filter: ColumnElement[bool] | None = None,
) -> tuple[list[Label], str]:
    """Labels of a site's items of `model` (equipment, batches): the ones chosen by id,
    else those `default_filter` keeps, in the order they were registered (and are
    usually labelled). Returns them with the site's name for the sheet's title."""
    site = await get_visible_site(session, actor, site_id)
    query = select(model.code, name.label("name")).where(
        model.site_id == site.id, model.company_id == actor.company_id
    )
    if ids:
        query = query.where(model.id.in_(ids))
    elif default_filter is not None:
        query = query.where(default_filter)
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
