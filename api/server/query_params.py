"""Query strings say one thing: one value per parameter unless the handler takes a list,
no literal `null` for a parameter that is not text, and an integer parameter written as
an integer (`?offset=0.0` read as 0 while the document says integer: make fuzz at 200).

`?site_id=A&site_id=B` on a filter that takes one site would otherwise be answered for
one of them, and `?site_id=null` (a client's `String(null)`) for every site: silently, in
both cases, and a report for the wrong sites looks like a right one. The fuzzer
(tests/fuzz) sends such requests; they are refused as 400 `validation_error` before the
handler runs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from litestar import Request
from litestar.exceptions import ValidationException
from litestar.handlers import HTTPRouteHandler
from litestar.params import KwargDefinition


@dataclass(frozen=True)
class _QueryRules:
    lists: frozenset[str]  # names read as a list: may repeat
    typed_optional: frozenset[str]  # optional, not text: "null" would read as absent
    integers: frozenset[str]  # written as an integer, or msgspec reads "0.0" as 0


# The page window comes from the `page` dependency (api/lib/pagination.py), not the
# handler's own signature.
_PAGE_PARAMS = frozenset({"limit", "offset"})
_INTEGER = re.compile(r"[+-]?[0-9]+")
_RULES: dict[int, _QueryRules] = {}


def _rules(handler: HTTPRouteHandler) -> _QueryRules:
    known = _RULES.get(id(handler))
    if known is None:
        lists, typed_optional, integers = set(), set(), set()
        for field in handler.parsed_fn_signature.parameters.values():
            kwarg = field.kwarg_definition
            if not isinstance(kwarg, KwargDefinition):
                continue
            name = getattr(kwarg, "query", None) or getattr(kwarg, "name", None) or field.name
            if any(t.annotation is int for t in field.inner_types) or field.annotation is int:
                integers.add(name)
            if field.is_non_string_sequence:
                lists.add(name)
            elif field.is_optional and not any(
                t.annotation is str for t in field.inner_types if not t.is_none_type
            ):
                typed_optional.add(name)
        if "page" in handler.parsed_fn_signature.parameters:
            integers |= _PAGE_PARAMS
        known = _RULES[id(handler)] = _QueryRules(
            frozenset(lists), frozenset(typed_optional), frozenset(integers)
        )
    return known


async def refuse_ambiguous_query_params(request: Request[Any, Any, Any]) -> None:
    """An app-level `before_request` hook."""
    query = request.query_params
    names = list(query.keys())  # distinct names; len(query) counts every value
    handler = request.route_handler
    if not names or not isinstance(handler, HTTPRouteHandler):
        return  # the usual case for a write
    rules = _rules(handler)
    for name in names:
        values = query.getall(name)
        if name in rules.integers and not all(_INTEGER.fullmatch(v) for v in values):
            raise ValidationException(f"query parameter {name!r} must be a whole number")
        if len(values) > 1 and name not in rules.lists:
            raise ValidationException(f"query parameter {name!r} may be given only once")
        if name in rules.typed_optional and "null" in values:
            raise ValidationException(f"query parameter {name!r}: leave it out instead of null")
