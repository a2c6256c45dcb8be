"""HTTP responses for QR labels: drawing runs in a worker thread (segno, Pillow), and the
responses may not load or run anything (the text in them comes from users)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import anyio.to_thread
from litestar import Response

from api.lib.labels import LABEL_CSP, Label, label_png, label_sheet_html, label_svg

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
        media_type="text/html; charset=utf-8",
        headers={"Content-Security-Policy": LABEL_CSP, "Cache-Control": "private, no-store"},
    )
