"""One error hierarchy with stable machine codes, mapped once to RFC 9457 problem JSON.

Services raise `AppError` subclasses; the handlers here turn those, Litestar's own HTTP
exceptions and anything unexpected into `application/problem+json` with a `code`.
Clients (the PWA outbox, integrations) branch on `code`, never on `title` or `detail`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from http import HTTPStatus
from types import TracebackType
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, SerializationException, ValidationException
from litestar.types import ExceptionHandlersMap
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from storage.images import ImageError
from storage.s3 import StorageUnavailable

logger = logging.getLogger("sitecheck.errors")

PROBLEM_MEDIA_TYPE = "application/problem+json"


class AppError(Exception):
    status_code: int = 400
    code: str = "bad_request"
    title: str = "Bad request"

    def __init__(
        self,
        detail: str | None = None,
        *,
        code: str | None = None,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        if code is not None:
            self.code = code
        self.extra = extra or {}
        self.headers = headers or {}


class NotFound(AppError):
    status_code = 404
    code = "not_found"
    title = "Not found"


class Unauthenticated(AppError):
    status_code = 401
    code = "not_authenticated"
    title = "Authentication required"


class BadCredentials(Unauthenticated):
    code = "bad_credentials"
    title = "Wrong login or password"


class Forbidden(AppError):
    status_code = 403
    code = "forbidden"
    title = "Not allowed for your role"


class Conflict(AppError):
    status_code = 409
    code = "conflict"
    title = "Conflict"


class IdConflict(Conflict):
    code = "id_conflict"
    title = "This id was already used for different content"


class Invalid(AppError):
    """Well-formed input that breaks a rule (a bad geofence, an impossible coordinate)."""

    status_code = 422
    code = "invalid"
    title = "Invalid input"


class RateLimited(AppError):
    status_code = 429
    code = "rate_limited"
    title = "Too many attempts"


class ServiceUnavailable(AppError):
    status_code = 503
    code = "service_unavailable"
    title = "A backing service is unavailable"


class DbUnavailable(ServiceUnavailable):
    code = "db_unavailable"
    title = "The database is unavailable"


class UnstorableText(AppError):
    """Well-formed text (valid JSON, valid UTF-8) that PostgreSQL cannot hold: a rule the
    schema does not spell out for every field, hence 422 like Invalid."""

    status_code = 422
    code = "invalid_text"
    title = "Text the database cannot store"


# 22021 character_not_in_repertoire (U+0000 in text: PostgreSQL cannot hold it) and
# 22P05 untranslatable_character. Any string field or filter can carry one, so they are
# answered here once, not validated in every schema.
_UNSTORABLE_TEXT_SQLSTATES = ("22021", "22P05")

# SQLSTATEs that say the server or the connection went away, not that the query was
# wrong: class 08 (connection exception), 57P01-57P03 (admin/crash shutdown, starting
# up), 53300 (too many connections).
_UNAVAILABLE_SQLSTATES = ("08", "57P01", "57P02", "57P03", "53300")


def _is_db_outage(exc: BaseException) -> bool:
    """A database restart, failover or unreachable server, as opposed to a bad query
    (which stays a 500: that is a bug)."""
    if isinstance(exc, PoolTimeout):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    if _sqlstate_in_chain(exc, _UNAVAILABLE_SQLSTATES):
        return True
    for seen in _chain(exc):
        if type(seen).__name__ in ("InterfaceError", "ConnectionDoesNotExistError"):
            # asyncpg's "connection is closed": the socket died under a pooled connection.
            return "closed" in str(seen) or "does not exist" in str(seen)
    return False


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """`exc` and what it wraps (SQLAlchemy wraps asyncpg's errors), outermost first."""
    seen: BaseException | None = exc
    while seen is not None:
        yield seen
        seen = seen.__cause__ or seen.__context__


def _sqlstate_in_chain(exc: BaseException, prefixes: tuple[str, ...]) -> bool:
    """Whether a driver error under `exc` has a SQLSTATE starting with one of `prefixes`."""
    return any(
        isinstance(sqlstate := getattr(seen, "sqlstate", None), str)
        and sqlstate.startswith(prefixes)
        for seen in _chain(exc)
    )


def _from_database_driver(tb: TracebackType | None) -> bool:
    # asyncpg connects with plain sockets: a refused or reset connection reaches us as
    # a bare ConnectionError; only those raised inside the driver mean the database.
    while tb is not None:
        if "asyncpg" in tb.tb_frame.f_code.co_filename:
            return True
        tb = tb.tb_next
    return False


# Litestar raises its own exceptions for routing, auth and body decoding; these codes
# give them the same stable vocabulary.
_CODES_BY_STATUS = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
    503: "service_unavailable",
}


def problem_response(
    status: int,
    code: str,
    title: str,
    detail: str,
    *,
    instance: str | None = None,
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[dict[str, Any]]:
    body: dict[str, Any] = {
        "type": "about:blank",
        "status": status,
        "code": code,
        "title": title,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    if extra:
        body.update(extra)
    return Response(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def _app_error_handler(request: Request[Any, Any, Any], exc: AppError) -> Response[Any]:
    return problem_response(
        exc.status_code,
        exc.code,
        exc.title,
        exc.detail,
        instance=request.url.path,
        extra=exc.extra,
        headers=exc.headers,
    )


def _validation_handler(request: Request[Any, Any, Any], exc: ValidationException) -> Response[Any]:
    errors = exc.extra if isinstance(exc.extra, list) else []
    return problem_response(
        400,
        "validation_error",
        "The request did not match the expected shape",
        exc.detail,
        instance=request.url.path,
        extra={"errors": errors},
    )


def _http_handler(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    status = exc.status_code
    if isinstance(exc.__cause__, SerializationException):
        return problem_response(
            400,
            "malformed_json",
            "The body is not valid JSON",
            exc.detail,
            instance=request.url.path,
        )
    code = _CODES_BY_STATUS.get(status, "internal_error" if status >= 500 else "bad_request")
    return problem_response(
        status,
        code,
        HTTPStatus(status).phrase,
        exc.detail,
        instance=request.url.path,
        headers=exc.headers,
    )


def _undecodable_handler(request: Request[Any, Any, Any], exc: UnicodeDecodeError) -> Response[Any]:
    # Bytes that are not UTF-8 where text was expected, e.g. a multipart part sent
    # without a filename (so read as a text field) holding a photo: a client error.
    return problem_response(
        400,
        "invalid_encoding",
        "Text that is not UTF-8",
        "A text field or part is not valid UTF-8; send files as parts with a filename.",
        instance=request.url.path,
    )


def _image_handler(request: Request[Any, Any, Any], exc: ImageError) -> Response[Any]:
    # The pipeline's own vocabulary (image_invalid, image_too_large, image_timeout).
    return problem_response(
        exc.status,
        exc.code,
        "The upload is not a usable photo",
        str(exc) or exc.code,
        instance=request.url.path,
    )


def _storage_handler(request: Request[Any, Any, Any], exc: StorageUnavailable) -> Response[Any]:
    # Nothing was stored for this request; the client keeps it queued and resends.
    logger.warning("object store unavailable on %s: %s", request.url.path, exc)
    return problem_response(
        503,
        "storage_unavailable",
        "The photo store is unavailable",
        "The upload was not stored; send it again in a moment.",
        instance=request.url.path,
        headers={"Retry-After": "30"},
    )


def _db_outage_response(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    # The transaction was rolled back with its connection: nothing of this request was
    # stored, so the client's outbox sends it again (same id) and it lands exactly once.
    logger.warning("database unavailable on %s: %s", request.url.path, exc.__class__.__name__)
    error = DbUnavailable(
        "Nothing was stored; send it again in a moment.", headers={"Retry-After": "5"}
    )
    return _app_error_handler(request, error)


def _database_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    if _is_db_outage(exc):
        return _db_outage_response(request, exc)
    if _sqlstate_in_chain(exc, _UNSTORABLE_TEXT_SQLSTATES):
        # The statement failed, so the request's transaction is rolled back whole.
        return _app_error_handler(
            request, UnstorableText("A text value holds a NUL (U+0000) or an invalid character.")
        )
    return _unexpected_handler(request, exc)


def _connection_handler(request: Request[Any, Any, Any], exc: ConnectionError) -> Response[Any]:
    if _from_database_driver(exc.__traceback__):
        return _db_outage_response(request, exc)
    return _unexpected_handler(request, exc)


def _leaves(group: BaseExceptionGroup[Any]) -> list[BaseException]:
    found: list[BaseException] = []
    for exc in group.exceptions:
        found.extend(_leaves(exc) if isinstance(exc, BaseExceptionGroup) else [exc])
    return found


def _group_handler(request: Request[Any, Any, Any], group: ExceptionGroup[Any]) -> Response[Any]:
    """A task group (work run side by side, e.g. a punch storing its selfie beside its
    checks) wraps what failed in an ExceptionGroup; answer as for the failure itself, so
    a store outage stays a 503 `storage_unavailable` and a bad input its own 4xx."""
    leaves = _leaves(group)
    handlers = {_handler_for(leaf) for leaf in leaves}
    if len(handlers) == 1 and isinstance(leaves[0], Exception):
        return handlers.pop()(request, leaves[0])
    return _unexpected_handler(request, group)


def _handler_for(exc: BaseException) -> Callable[[Request[Any, Any, Any], Any], Response[Any]]:
    for cls in type(exc).__mro__:
        if cls is not ExceptionGroup and cls in exception_handlers:
            return exception_handlers[cls]
    return _unexpected_handler


def _unexpected_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    # A 500 is always a bug: log it whole, tell the client nothing internal.
    logger.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem_response(
        500,
        "internal_error",
        "Internal server error",
        "Something went wrong on our side; it has been logged.",
        instance=request.url.path,
    )


exception_handlers: ExceptionHandlersMap = {
    AppError: _app_error_handler,
    ValidationException: _validation_handler,
    HTTPException: _http_handler,
    ImageError: _image_handler,
    UnicodeDecodeError: _undecodable_handler,
    StorageUnavailable: _storage_handler,
    DBAPIError: _database_handler,
    PoolTimeout: _database_handler,
    ConnectionError: _connection_handler,
    ExceptionGroup: _group_handler,
    Exception: _unexpected_handler,
}
