"""One row of the access matrix: an endpoint and the status each role must get."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx

from api.db.models import Role
from tests.support.factories import World

R = Role
ALL = frozenset(Role)
TENANT = ALL - {R.SUPERADMIN}


@dataclass(frozen=True)
class Case:
    method: str
    path: str  # the route template, as the app registers it
    # Expected status per role for a user of company A acting on company A's objects.
    expect: dict[Role, int]
    url: Callable[[World], str]
    body: Callable[[World], Any] | None = None
    # Does the URL name an object of company A (so company B must get 404)?
    scoped_object: bool = False
    # Multipart parts, for uploads: {name: (filename, bytes, content type) | str}.
    files: Callable[[World], dict[str, Any]] | None = None
    # Runs once before the roles call: makes what the URL names (stash it in w.extra).
    setup: Callable[[httpx.AsyncClient, World], Awaitable[None]] | None = None


def by_role(allowed: dict[Role, int], denied: int = 403) -> dict[Role, int]:
    return {role: allowed.get(role, denied) for role in Role}


async def call(
    api: httpx.AsyncClient, case: Case, w: World, headers: dict[str, str]
) -> httpx.Response:
    if case.files is not None:
        parts = case.files(w)
        files = {k: v for k, v in parts.items() if isinstance(v, tuple)}
        data = {k: v for k, v in parts.items() if isinstance(v, str)}
        return await api.request(case.method, case.url(w), files=files, data=data, headers=headers)
    body = case.body(w) if case.body else None
    return await api.request(case.method, case.url(w), json=body, headers=headers)
