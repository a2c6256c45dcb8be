"""The fuzz run's inputs: the OpenAPI document the live server serves, and seeds.

`make test` runs a bounded, deterministic run (SITECHECK_FUZZ_EXAMPLES unset: a few
examples per operation and mode, derandomized); `make fuzz` sets
SITECHECK_FUZZ_EXAMPLES for a longer run with fresh randomness each time.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import httpx
import pytest
from schemathesis.config import SchemathesisConfig
from schemathesis.openapi import from_url
from schemathesis.schemas import BaseSchema

from tests.fuzz.seeds import Seed, build_seeds
from tests.support.factories import World

# Examples per operation and generation mode in CI: with every operation that keeps the
# whole module near two minutes on a 2-core machine.
CI_EXAMPLES = 6


@dataclass(frozen=True)
class FuzzBudget:
    examples: int
    # Derandomized: the same examples every run (CI); otherwise new ones each time.
    deterministic: bool


@pytest.fixture(scope="session")
def fuzz_budget() -> FuzzBudget:
    raw = os.environ.get("SITECHECK_FUZZ_EXAMPLES")
    if not raw:
        return FuzzBudget(CI_EXAMPLES, deterministic=True)
    return FuzzBudget(max(1, int(raw)), deterministic=False)


@pytest.fixture
async def fuzz_seeds(api: httpx.AsyncClient, world: World) -> dict[tuple[str, str], Seed]:
    return await build_seeds(api, world)


@pytest.fixture
def served_schema(live_server: str) -> BaseSchema:
    config = SchemathesisConfig.from_dict(
        {
            "request-timeout": 30,
            # Unknown query parameters are ignored, as by most HTTP APIs (Litestar's
            # default); invalid values of the declared ones are still sent.
            "generation": {"allow-extra-parameters": False},
            "checks": {
                # Schema-valid input may still break a rule the schema cannot say (an
                # unknown IANA timezone, `until` before `since`, a reason a rejected
                # delivery needs): the API answers those 422 (API.md), not 2xx. Likewise
                # an upload whose bytes are not a type it takes (415): the document can
                # only say "binary".
                "positive_data_acceptance": {
                    "expected-statuses": ["2xx", "3xx", 401, 403, 404, 409, 415, 422, 429]
                },
            },
        }
    )
    schema = from_url(f"{live_server}/schema/openapi.json", config=config)
    schema.config.update(base_url=live_server)
    return schema
