"""What the served OpenAPI document says beyond what Litestar infers from the handlers.

Litestar documents a handler's success response and a generic `application/json` 400.
The API answers every failure with RFC 9457 problem JSON (api/lib/errors.py), and
clients and the fuzzer read the document to know which statuses and bodies to expect,
so two plugins complete it at the source instead of every controller repeating it:

- `ProblemResponses` adds the problem responses each operation can give (by its
  method, whether it needs a token and whether it takes an upload);
- `ClosedStructSchemas` marks request bodies that refuse unknown fields
  (`forbid_unknown_fields=True`) as `additionalProperties: false`, which Litestar
  leaves out although the server answers such a body with a 400.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import TYPE_CHECKING, Any

import msgspec
from litestar._openapi.schema_generation.plugins import StructSchemaPlugin
from litestar.enums import RequestEncodingType
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.plugins import ReceiveRoutePlugin
from litestar.routes import HTTPRoute

from api.lib.errors import PROBLEM_MEDIA_TYPE

if TYPE_CHECKING:
    from litestar._openapi.schema_generation import SchemaCreator
    from litestar.openapi.spec import Schema
    from litestar.routes import BaseRoute
    from litestar.typing import FieldDefinition


class Problem(msgspec.Struct):
    """RFC 9457 problem details as the API sends them; `code` is the stable part.

    Some errors add fields (a validation error's `errors`, a conflict's current state),
    so the object stays open to more properties."""

    type: str
    status: int
    code: str
    title: str
    detail: str
    instance: str | None = None


# Why each status may come back; the `code` values are listed in ../shared/API.md.
_WHY = {
    400: "The request is malformed: bad JSON, a missing or mistyped field (validation_error)",
    401: "No valid token, or a wrong login (not_authenticated, bad_credentials)",
    403: "The caller's role may not do this (forbidden)",
    404: "The object does not exist or belongs to another company",
    409: "The client id was used for different content, or the state changed (id_conflict)",
    413: "The upload or body is larger than the server takes",
    415: "The upload is not a type this endpoint takes",
    422: "Well-formed input that breaks a rule (a bad geofence, an unusable image)",
    429: "Too many attempts; wait for Retry-After (rate_limited)",
    503: "A backing service (database, object store, face key) is unavailable",
}

_EVERY = (400, 503)
_AUTHENTICATED = (401, 403, 404, 422)
_WRITES = (409, 413, 415)
_LOGIN = (401, 422, 429)
_WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def _problem(status: int) -> ResponseSpec:
    return ResponseSpec(
        data_container=Problem,
        description=_WHY.get(status, HTTPStatus(status).phrase),
        media_type=PROBLEM_MEDIA_TYPE,
        generate_examples=False,
    )


def problem_statuses(handler: HTTPRouteHandler) -> set[int]:
    """The problem statuses an operation can answer with, from how it is declared."""
    statuses = set(_EVERY)
    public = bool(handler.opt.get("exclude_from_auth"))
    if not public:
        statuses.update(_AUTHENTICATED)
    if handler.http_methods & _WRITE_METHODS:
        statuses.update(_WRITES if not public else _LOGIN)
    body = handler.parsed_fn_signature.parameters.get("data")
    if body is not None and _is_multipart(body.kwarg_definition):
        statuses.update((413, 415, 422))
    return statuses


def _is_multipart(kwarg: Any) -> bool:
    media_type = getattr(kwarg, "media_type", None)
    return media_type in (RequestEncodingType.MULTI_PART, RequestEncodingType.URL_ENCODED)


class ProblemResponses(ReceiveRoutePlugin):
    """Adds the problem responses to every operation in the schema, keeping any a
    handler declares itself (its own 200 replay, its own 202)."""

    def receive_route(self, route: BaseRoute) -> None:
        if not isinstance(route, HTTPRoute):
            return
        for handler in route.route_handlers:
            if not handler.include_in_schema:
                continue
            own = dict(handler.responses or {})
            problems = {s: _problem(s) for s in problem_statuses(handler) if s not in own}
            handler.responses = {**problems, **own}


class ClosedStructSchemas(StructSchemaPlugin):
    """Structs that refuse unknown fields say so in their schema."""

    def to_openapi_schema(
        self, field_definition: FieldDefinition, schema_creator: SchemaCreator
    ) -> Schema:
        schema = super().to_openapi_schema(field_definition, schema_creator)
        info = msgspec.inspect.type_info(field_definition.type_)
        if isinstance(info, msgspec.inspect.StructType) and info.forbid_unknown_fields:
            schema.additional_properties = False
        return schema


def openapi_doc_plugins() -> list[Any]:
    return [ProblemResponses(), ClosedStructSchemas()]
