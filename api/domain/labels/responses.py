"""QR labels over HTTP: the responses of one label and of a sheet (drawing runs in a
worker thread: segno, Pillow; the responses may not load or run anything, as the text
in them comes from users)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import anyio.to_thread
from litestar import MediaType, Response

from api.domain.labels.drawing import LABEL_CSP, Label, label_png, label_sheet_html, label_svg

LabelFormat = Literal["svg", "png"]
LABEL_MEDIA_TYPES: dict[LabelFormat, str] = {"svg": "image/svg+xml", "png": "image/png"}
# Labels change only when an item is renamed; a reprint minutes later may reuse them.
_CACHE = "private, max-age=300"


async def label_response(label: Label, fmt: LabelFormat, module_px: int) -> Response[bytes]:
    if fmt == "svg":
        body = (await anyio.to_thread.run_sync(label_svg, label)).encode()
    else:
        body = await anyio.to_thread.run_sync(label_png, label, module_px)
    return Response(
        body,
        media_type=LABEL_MEDIA_TYPES[fmt],
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
