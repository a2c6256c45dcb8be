"""Multipart uploads: the size cap, the JSON `meta` part, and their error codes.

Litestar reads a multipart body into memory before the handler runs, stopping at the
route's `request_max_body_size` (checked against Content-Length first, then counted
while streaming), so a flood is cut off while it is read. The route limit covers the
whole body; `read_upload` then holds the file part itself to its own cap.
"""

from __future__ import annotations

from typing import Any, TypeVar

import msgspec
from litestar import Request, Response
from litestar.connection import ASGIConnection
from litestar.datastructures import UploadFile
from litestar.exceptions.http_exceptions import RequestEntityTooLarge

from api.config import MAX_UPLOAD_MB_LIMIT
from api.lib.errors import AppError, problem_response

T = TypeVar("T")

# Room for the other parts (meta JSON, boundaries) on top of the file's own cap.
MULTIPART_OVERHEAD = 256 * 1024


class FileTooLarge(AppError):
    status_code = 413
    code = "file_too_large"
    title = "The file is too large"


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


async def _declared_size_guard(connection: ASGIConnection[Any, Any, Any, Any], _: Any) -> None:
    # Guards run before the body is read: a declared length over the configured cap is
    # refused at once instead of after reading up to the route's (largest) limit.
    declared = connection.headers.get("content-length", "")
    cap = connection.app.state.settings.uploads.max_bytes + MULTIPART_OVERHEAD
    if declared.isdigit() and int(declared) > cap:
        raise FileTooLarge(f"the upload may be at most {cap // (1024 * 1024)} MB")


def configured_upload_route() -> dict[str, Any]:
    """For uploads capped by SITECHECK_MAX_UPLOAD_MB (photos, scan images, face samples).
    Routes are declared at import, settings read at start: the route takes the largest
    cap a deployment may set, and a guard holds a declared Content-Length to the
    configured one before anything is read (a body without a length is counted while
    it streams, up to the route limit, and `read_upload` holds the file part)."""
    return {**upload_route(LARGEST_CONFIGURABLE_UPLOAD), "guards": [_declared_size_guard]}


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
    try:
        return msgspec.json.decode(raw, type=type_)
    except msgspec.ValidationError as exc:
        raise MetaInvalid(f"{part}: {exc}") from exc
    except msgspec.DecodeError as exc:
        raise MetaMalformed(f"{part}: {exc}") from exc
