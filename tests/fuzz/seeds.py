"""Real objects for the fuzzer to aim at, taken from the access matrix.

A fuzzer that only ever sends random UUIDs tests the 404 path of every handler and
nothing behind it. The access matrix (tests/authz) already knows, for every endpoint,
which role may call it, how to make the objects its URL names (`setup`), and a valid
URL, body or upload. Running those setups once and reading their URLs back gives each
operation a user to act as and real path, query and body values to mix into what
schemathesis generates, without a second copy of any of that knowledge.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx

from api.db.models import Role, User
from tests.authz import ALL_CASES
from tests.authz.case import Case
from tests.support.factories import PASSWORD, World, mint_token, unique

# Whom to act as when several roles may call an endpoint: the widest tenant view first
# (it reaches every object of company A), the superadmin only where nobody else may.
ROLE_PREFERENCE = (
    Role.ADMIN,
    Role.MANAGER,
    Role.SAFETY_OFFICER,
    Role.FOREMAN,
    Role.WORKER,
    Role.SUPERADMIN,
)

_CONVERTER = re.compile(r"\{(\w+):\w+\}")

# Operations that end the caller's own tokens: they act as a user of their own, or every
# operation fuzzed after them as the same role would only meet 401 token_revoked.
ENDS_OWN_TOKEN = {("POST", "/api/me/sign-out")}


def openapi_path(litestar_path: str) -> str:
    """`/api/users/{user_id:uuid}` as the OpenAPI document writes it: `/api/users/{user_id}`."""
    return _CONVERTER.sub(r"{\1}", litestar_path)


def _path_values(template: str, url_path: str) -> dict[str, str]:
    names = re.findall(r"\{(\w+)\}", template)
    pattern = re.escape(template)
    for name in names:
        pattern = pattern.replace(re.escape(f"{{{name}}}"), f"(?P<{name}>[^/]+)")
    match = re.fullmatch(pattern, url_path)
    assert match is not None, (template, url_path)
    return match.groupdict()


@dataclass
class Seed:
    """What one operation is called with when the fuzzer aims at real objects."""

    user: User
    path: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)
    # A JSON body; None for uploads and body-less calls.
    body: Any = None


async def _user_of_its_own(api: httpx.AsyncClient, world: World) -> User:
    created = await api.post(
        "/api/users",
        json={"name": "Fuzz", "role": "worker", "password": PASSWORD, "login": unique("fuzz-")},
        headers=world.headers(world.a.users[Role.ADMIN]),
    )
    assert created.status_code == 201, created.text
    user = User(id=uuid.UUID(created.json()["id"]), role=Role.WORKER)
    world.tokens[user.id] = mint_token(world.settings, user.id)
    return user


def _acting_user(world: World, case: Case) -> User:
    for role in ROLE_PREFERENCE:
        if case.expect.get(role, 403) < 400:
            return world.superadmin if role is Role.SUPERADMIN else world.a.users[role]
    raise AssertionError(f"nobody may call {case.method} {case.path}")


async def build_seeds(api: httpx.AsyncClient, world: World) -> dict[tuple[str, str], Seed]:
    """Run every matrix setup once, then read each case's URL and body into a Seed."""
    done: set[Callable[[httpx.AsyncClient, World], Awaitable[None]]] = set()
    for case in ALL_CASES:
        if case.setup is not None and case.setup not in done:
            await case.setup(api, world)
            done.add(case.setup)
    seeds: dict[tuple[str, str], Seed] = {}
    for case in ALL_CASES:
        template = openapi_path(case.path)
        url = urlsplit(case.url(world))
        # JSON bodies only: schemathesis judges a hand-made multipart body against the
        # schema as if generated (and calls it schema-violating); uploads keep their
        # generated parts, aimed at real ids through the path.
        body: Any = case.body(world) if case.body is not None and case.files is None else None
        own = (case.method, template) in ENDS_OWN_TOKEN
        seeds[(case.method, template)] = Seed(
            user=await _user_of_its_own(api, world) if own else _acting_user(world, case),
            path=_path_values(template, url.path),
            query=dict(parse_qsl(url.query)),
            body=body,
        )
    return seeds


def describe(seed: Seed) -> str:
    """One line for a failure message: who acted and on what."""
    return json.dumps({"role": seed.user.role.value, "path": seed.path, "query": seed.query})
