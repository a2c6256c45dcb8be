"""One value per query parameter, unless the handler takes a list.

`?site_id=A&site_id=B` on a filter that takes one site would otherwise be answered for
one of them, silently: a report for the wrong site looks like a right one. The fuzzer
(tests/fuzz) sends such requests; they are refused as 400 `validation_error` before the
handler runs.
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.exceptions import ValidationException
from litestar.handlers import HTTPRouteHandler

_LIST_PARAMS: dict[int, frozenset[str]] = {}


def _list_params(handler: HTTPRouteHandler) -> frozenset[str]:
    """Query names this handler reads as a list (aliases resolved)."""
    known = _LIST_PARAMS.get(id(handler))
    if known is None:
        names = set()
        for field in handler.parsed_fn_signature.parameters.values():
            if field.is_non_string_sequence:
                kwarg = field.kwarg_definition
                alias = getattr(kwarg, "query", None) or getattr(kwarg, "name", None)
                names.add(alias or field.name)
        known = _LIST_PARAMS[id(handler)] = frozenset(names)
    return known


async def refuse_repeated_query_params(request: Request[Any, Any, Any]) -> None:
    """An app-level `before_request` hook."""
    query = request.query_params
    names = list(query.keys())  # distinct names; len(query) counts every value
    if len(names) == len(query):
        return  # no name given twice: the usual case
    handler = request.route_handler
    allowed = _list_params(handler) if isinstance(handler, HTTPRouteHandler) else frozenset()
    for name in names:
        if name not in allowed and len(query.getall(name)) > 1:
            raise ValidationException(f"query parameter {name!r} may be given only once")
