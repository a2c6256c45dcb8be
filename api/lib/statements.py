"""Statements built once per person instead of once per request.

Building a SQLAlchemy statement (joins, the row-scope subqueries of api/lib/authz.py)
and computing its cache key costs more CPU than running it on an indexed lookup; the
scan, the hottest read of the app, repeats the same shape for the same person all
shift. Such statements take their per-request values as bind parameters and are kept
here per (role, company, user, crew): everything the row-scope rules read from the
actor. Membership changes need nothing from this cache: the scope is subqueries that
PostgreSQL evaluates on every execution.
"""

from __future__ import annotations

import uuid
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

from api.db.models import Role
from api.lib.context import Actor

S = TypeVar("S")
_Key = tuple[Role, uuid.UUID | None, uuid.UUID, uuid.UUID | None]


class PerActorStatements(Generic[S]):
    def __init__(self, build: Callable[[Actor], S], maxsize: int = 4096) -> None:
        self._build = build
        self._maxsize = maxsize
        self._cache: OrderedDict[_Key, S] = OrderedDict()

    def get(self, actor: Actor) -> S:
        key = (actor.role, actor.user.company_id, actor.id, actor.user.crew_id)
        statement = self._cache.get(key)
        if statement is None:
            statement = self._build(actor)
            self._cache[key] = statement
            if len(self._cache) > self._maxsize:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(key)
        return statement
