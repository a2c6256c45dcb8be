"""Multipart uploads: the size cap, the JSON `meta` part, and their error codes.

Litestar reads a multipart body into memory before the handler runs, stopping at the
route's `request_max_body_size` (checked against Content-Length first, then counted
while streaming), so a flood is cut off while it is read. The route limit covers the
whole body; `read_upload` then holds the file part itself to its own cap. Routes whose
cap is a setting (`configured_upload_route`) count the body against that setting as it
arrives. What a client sends after its 413, uvicorn reads and drops without holding it
(closing instead would reset the connection, and the client would see a network error,
which the PWA's outbox retries, rather than the 413).
"""

from __future__ import annotations

from collections import Counter
from typing import Any, TypeVar

import msgspec
from litestar import Request, Response
from litestar.datastructures import Headers, UploadFile
from litestar.enums import RequestEncodingType
from litestar.exceptions import ValidationException
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.handlers import HTTPRouteHandler
from litestar.types import ASGIApp, Receive, ReceiveMessage, Scope, Send

from api.config import MAX_UPLOAD_MB_LIMIT
from api.lib.errors import AppError, problem_response
from api.server.json_depth import check_json_depth

T = TypeVar("T")

# Room for the other parts (meta JSON, boundaries) on top of the file's own cap.
MULTIPART_OVERHEAD = 256 * 1024


class FileTooLarge(AppError):
    status_code = 413
    code = "file_too_large"
    title = "The file is too large"


def _over_cap(cap: int) -> FileTooLarge:
    return FileTooLarge(f"the upload may be at most {cap // (1024 * 1024)} MB")


class MetaMalformed(AppError):
    status_code = 400
    code = "malformed_json"
    title = "The meta part is not valid JSON"


class MetaInvalid(AppError):
    status_code = 400
    code = "validation_error"
    title = "The meta part did not match the expected shape"


class PartMissing(AppError):
    status_code = 400
    code = "validation_error"
    title = "A multipart part is missing"


def too_large_handler(request: Request[Any, Any, Any], exc: RequestEntityTooLarge) -> Response[Any]:
    """Litestar's own 413 (the body passed the route limit) with the upload code."""
    return problem_response(
        413,
        FileTooLarge.code,
        FileTooLarge.title,
        "the upload is larger than this endpoint accepts",
        instance=request.url.path,
    )


# For upload routes: `@post(..., **upload_route(max_bytes))`.
def upload_route(max_file_bytes: int) -> dict[str, Any]:
    return {
        "request_max_body_size": max_file_bytes + MULTIPART_OVERHEAD,
        "exception_handlers": {RequestEntityTooLarge: too_large_handler},
    }


LARGEST_CONFIGURABLE_UPLOAD = MAX_UPLOAD_MB_LIMIT * 1024 * 1024


def _configured_cap(scope: Scope) -> int:
    return int(scope["litestar_app"].state.settings.uploads.max_bytes) + MULTIPART_OVERHEAD


def _configured_cap_middleware(app: ASGIApp) -> ASGIApp:
    """Holds a configured upload route's body to SITECHECK_MAX_UPLOAD_MB (plus the
    other parts) while it arrives. The route's own limit is the largest cap a
    deployment may set, so a chunked body (no Content-Length) was otherwise read up to
    that (200 MB) before `read_upload` refused it."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        cap = _configured_cap(scope)
        declared = Headers.from_scope(scope).get("content-length", "")
        if declared.isdigit() and int(declared) > cap:
            raise _over_cap(cap)  # before a byte of the body is read
        received = 0

        async def counted() -> ReceiveMessage:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > cap:
                    # Raised inside the body's parse: the 413 goes out at once.
                    raise _over_cap(cap)
            return message

        await app(scope, counted, send)

    return middleware


def configured_upload_route() -> dict[str, Any]:
    """For uploads capped by SITECHECK_MAX_UPLOAD_MB (photos, scan images, face samples).
    Routes are declared at import, settings read at start: the route takes the largest
    cap a deployment may set, and a middleware holds the body to the configured one,
    the declared Content-Length before anything is read and a body without a length
    byte by byte as it streams (`read_upload` then holds the file part itself)."""
    return {
        **upload_route(LARGEST_CONFIGURABLE_UPLOAD),
        "middleware": [_configured_cap_middleware],
    }


_FORM_FIELDS: dict[int, frozenset[str]] = {}


def _form_fields(handler: HTTPRouteHandler) -> frozenset[str]:
    """The parts a handler's multipart form declares (none if it takes no form)."""
    known = _FORM_FIELDS.get(id(handler))
    if known is None:
        body = handler.parsed_fn_signature.parameters.get("data")
        media_type = getattr(body.kwarg_definition, "media_type", None) if body else None
        multipart = body is not None and media_type is RequestEncodingType.MULTI_PART
        known = frozenset(body.get_type_hints()) if body is not None and multipart else frozenset()
        _FORM_FIELDS[id(handler)] = known
    return known


async def refuse_repeated_parts(request: Request[Any, Any, Any]) -> None:
    """A `before_request` hook: a part of the form sent twice (`expires_on`, `meta`,
    `file`, ...) is 400 `validation_error` on every multipart route, whatever the
    field's type: which of two values counts is anyone's guess, and a field typed to
    take a list would read both without a word. Parts the form does not declare are
    ignored, once or more. The form parsed here is the one the handler gets (Litestar
    keeps it on the request), so nothing is read twice."""
    if request.content_type[0] != RequestEncodingType.MULTI_PART:
        return
    handler = request.route_handler
    fields = _form_fields(handler) if isinstance(handler, HTTPRouteHandler) else frozenset()
    if not fields:
        return
    form = await request.form()
    counts = Counter(name for name, _ in form.multi_items() if name in fields)
    repeated = {name: n for name, n in counts.items() if n > 1}
    if repeated:
        names = ", ".join(repr(name) for name in repeated)
        raise ValidationException(
            f"multipart parts may be sent once each; sent more than once: {names}",
            extra=[
                {"key": name, "source": "body", "message": f"sent {n} times"}
                for name, n in repeated.items()
            ],
        )


async def read_upload(upload: UploadFile | None, max_bytes: int, part: str = "file") -> bytes:
    if upload is None:
        raise PartMissing(f"the multipart part {part!r} is required")
    # One byte past the cap is enough to know; never more than that is read.
    data = await upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise FileTooLarge(f"{part!r} may be at most {max_bytes // (1024 * 1024)} MB")
    return data


def parse_meta(raw: str | bytes | None, type_: type[T], part: str = "meta") -> T:
    """The JSON part of a multipart upload, decoded into `type_` with the same codes a
    JSON body gets (malformed_json, validation_error)."""
    if raw is None:
        raise PartMissing(f"the multipart part {part!r} is required")
    check_json_depth(raw, where=part)
    try:
        return msgspec.json.decode(raw, type=type_)
    except msgspec.ValidationError as exc:
        raise MetaInvalid(f"{part}: {exc}") from exc
    except msgspec.DecodeError as exc:
        raise MetaMalformed(f"{part}: {exc}") from exc
