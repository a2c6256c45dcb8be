"""What the served OpenAPI document says beyond what Litestar infers from the handlers.

Litestar documents a handler's success response and a generic `application/json` 400.
The API answers every failure with RFC 9457 problem JSON (api/lib/errors.py), and
clients and the fuzzer read the document to know which statuses and bodies to expect,
so two plugins complete it at the source instead of every controller repeating it:

- `ProblemResponses` adds the problem responses each operation can give (by its
  method, whether it needs a token and whether it takes an upload);
- `ClosedStructSchemas` marks request bodies that refuse unknown fields
  (`forbid_unknown_fields=True`) as `additionalProperties: false`, which Litestar
  leaves out although the server answers such a body with a 400;
- `RequiredParts` lists the multipart parts an upload cannot do without
  (`field(default=None, metadata=REQUIRED_PART)`): the form keeps them optional in
  Python so a missing one gets its own clear 400, yet clients must send them;
- `TimeOfDaySchema` writes `datetime.time` as an HH:MM:SS string (Litestar says
  `format: duration`, which "08:00:00" is not);
- `success_media_types(...)` is an `operation_class` for handlers whose 200 comes in
  more than one content type (an export as CSV or XLSX).
"""

from __future__ import annotations

import dataclasses
from datetime import time
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

import msgspec
from litestar._openapi.schema_generation.plugins.dataclass import DataclassSchemaPlugin
from litestar._openapi.schema_generation.plugins.struct import StructSchemaPlugin
from litestar.enums import RequestEncodingType
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import OpenAPIResponse, OpenAPIType, Operation, Schema
from litestar.plugins import OpenAPISchemaPlugin, ReceiveRoutePlugin
from litestar.routes import HTTPRoute

from api.lib.errors import PROBLEM_MEDIA_TYPE

if TYPE_CHECKING:
    from litestar._openapi.schema_generation import SchemaCreator
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
            if handler.opt.get("exclude_from_auth"):
                # An empty requirement: no token needed (the app-wide one asks for a JWT).
                handler.security = [{}]
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
        if not isinstance(info, msgspec.inspect.StructType):
            return schema
        if info.forbid_unknown_fields:
            schema.additional_properties = False
        for f in info.fields:
            _constrain_string_items(schema, f)
        return schema


def _constrain_string_items(schema: Schema, field: msgspec.inspect.Field) -> None:
    """Litestar drops the constraints of a list's string items (`list[Annotated[str,
    Meta(pattern=...)]]`); the server applies them, so the document says them too."""
    if not isinstance(field.type, msgspec.inspect.ListType):
        return
    item = field.type.item_type
    prop = (schema.properties or {}).get(field.encode_name)
    if not isinstance(item, msgspec.inspect.StrType) or not isinstance(prop, Schema):
        return
    if isinstance(prop.items, Schema):
        prop.items.pattern = item.pattern
        prop.items.min_length = item.min_length
        prop.items.max_length = item.max_length


# `field(default=None, metadata=REQUIRED_PART)` on a multipart form's dataclass.
REQUIRED_PART: dict[str, bool] = {"sitecheck_required_part": True}


class RequiredParts(DataclassSchemaPlugin):
    """Multipart forms name the parts a client must send."""

    def to_openapi_schema(
        self, field_definition: FieldDefinition, schema_creator: SchemaCreator
    ) -> Schema:
        schema = super().to_openapi_schema(field_definition, schema_creator)
        needed = [
            f.name
            for f in dataclasses.fields(field_definition.type_)
            if f.metadata.get("sitecheck_required_part")
        ]
        if needed:
            schema.required = sorted({*(schema.required or []), *needed})
        for name in needed:
            prop = (schema.properties or {}).get(name)
            # A part that must be sent is never null: without the null branch a binary
            # part reads as a file (clients send it with a filename).
            if isinstance(prop, Schema) and prop.one_of:
                kept = [s for s in prop.one_of if not _is_null(s)]
                if len(kept) == 1 and isinstance(kept[0], Schema):
                    schema.properties[name] = kept[0]  # type: ignore[index]
        return schema


def _is_null(schema: Any) -> bool:
    return isinstance(schema, Schema) and schema.type == OpenAPIType.NULL


class TimeOfDaySchema(OpenAPISchemaPlugin):
    @staticmethod
    def is_plugin_supported_type(value: Any) -> bool:
        return value is time

    def to_openapi_schema(
        self, field_definition: FieldDefinition, schema_creator: SchemaCreator
    ) -> Schema:
        # A local time of day as msgspec writes and reads it; not JSON Schema's `time`
        # format, which demands a UTC offset the API never sends.
        return Schema(
            type=OpenAPIType.STRING,
            pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,6})?$",
            description="Local time of day, HH:MM:SS",
        )


def success_media_types(*extra: str) -> type[Operation]:
    """An `operation_class` whose 2xx responses also list `extra` content types, with
    the same schema as the handler's own media type."""

    @dataclasses.dataclass
    class _Operation(Operation):
        def __post_init__(self) -> None:
            for status, response in (self.responses or {}).items():
                if not status.startswith("2") or not isinstance(response, OpenAPIResponse):
                    continue
                if response.content:
                    first = next(iter(response.content.values()))
                    for media_type in extra:
                        response.content.setdefault(media_type, first)

    return _Operation


def openapi_doc_plugins() -> list[Any]:
    return [ProblemResponses(), ClosedStructSchemas(), RequiredParts(), TimeOfDaySchema()]
