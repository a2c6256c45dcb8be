"""A bound on how deeply a client's JSON may nest, checked before it is decoded.

msgspec, like every recursive decoder, raises RecursionError about a thousand levels
down: a 5,000-deep `[[[...]]]` body was a 500. A value just under that limit decodes,
then breaks whatever walks it next (validation, the audit trail's JSON, geometry). No
document of this API nests past a handful of levels (a MultiPolygon geofence, the
deepest, has 6), so past MAX_JSON_DEPTH a body is refused as 400 `malformed_json`
before any decoder sees it. Client JSON is decoded in two places, and both check:
every JSON request body (`JsonDepthRequest`, the app's request class) and the `meta`
part of a multipart upload (api/lib/uploads.py `parse_meta`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from litestar import Request

from api.lib.errors import AppError

MAX_JSON_DEPTH = 64

# +1 for an opening bracket, -1 for a closing one, 0 for anything else.
_STEP = np.zeros(256, dtype=np.int8)
_STEP[[ord("["), ord("{")]] = 1
_STEP[[ord("]"), ord("}")]] = -1
_QUOTE = ord('"')
# Bytes counted per step, so a 30 MB body never needs more than a few MB of counts.
_CHUNK = 1 << 22


class JsonTooDeep(AppError):
    status_code = 400
    code = "malformed_json"
    title = "The body is not valid JSON"


def nests_deeper_than(raw: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether the arrays and objects of `raw` nest more than `limit` levels. Text that
    is not JSON gets an answer too; its decoder refuses it afterwards either way."""
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return False  # the common case: too few brackets to be that deep
    # Brackets inside strings are text, not nesting. Escaped backslashes, then escaped
    # quotes, go first (left to right, as a JSON lexer pairs them); then a byte is
    # inside a string when an odd number of quotes precede it. Everything runs in C
    # or numpy: a regex over the strings took half a minute for 30 MB of escapes.
    data = raw.replace(b"\\\\", b"").replace(b'\\"', b"")
    depth = 0
    quotes = 0
    for start in range(0, len(data), _CHUNK):
        chunk = np.frombuffer(
            data, dtype=np.uint8, count=min(_CHUNK, len(data) - start), offset=start
        )
        quoted = np.cumsum(chunk == _QUOTE, dtype=np.int32) + quotes
        steps = np.where(quoted & 1, 0, _STEP[chunk])
        running = np.cumsum(steps, dtype=np.int32) + depth
        if int(running.max()) > limit:
            return True
        depth = int(running[-1])
        quotes = int(quoted[-1])
    return False


def check_json_depth(raw: bytes | str, where: str = "the body") -> None:
    data = raw.encode() if isinstance(raw, str) else raw
    if nests_deeper_than(data):
        raise JsonTooDeep(f"{where} nests arrays and objects more than {MAX_JSON_DEPTH} deep")


class JsonDepthRequest(Request[Any, Any, Any]):
    """The app's request class: a JSON body's depth is checked once, where Litestar
    decodes it for a handler's `data`."""

    async def json(self) -> Any:
        check_json_depth(await self.body())
        return await super().json()
