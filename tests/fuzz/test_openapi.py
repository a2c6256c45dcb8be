"""Every operation of the served OpenAPI document, fuzzed with schemathesis.

Each operation runs as the most capable role the access matrix allows for it, with
generated values and, on about half the examples, the real objects the matrix made
(tests/fuzz/seeds.py). Both valid (positive) and invalid (negative) inputs are sent,
and every check schemathesis has for a single call runs: no 5xx; status codes, content
types, headers and bodies as documented; invalid input refused, valid input accepted.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import Case, GenerationMode
from schemathesis.core.parameters import ParameterLocation
from schemathesis.core.result import Ok
from schemathesis.schemas import APIOperation, BaseSchema

from tests.factories import World
from tests.fuzz.conftest import FuzzBudget
from tests.fuzz.seeds import Seed


def _positive(case: Case, location: ParameterLocation) -> bool:
    meta = case.meta
    if meta is None:
        return True
    component = meta.components.get(location)
    return component is None or not component.mode.is_negative


def _aim(case: Case, seed: Seed) -> None:
    """Point the case at real objects, leaving each invalid (negative) part as generated."""
    if seed.path and _positive(case, ParameterLocation.PATH):
        case.path_parameters = {**(case.path_parameters or {}), **seed.path}
    if seed.query and _positive(case, ParameterLocation.QUERY):
        case.query = {**(case.query or {}), **seed.query}
    if seed.body is not None and _positive(case, ParameterLocation.BODY):
        case.body = seed.body


def _fuzz(
    operation: APIOperation,
    mode: GenerationMode,
    seed: Seed | None,
    headers: dict[str, Any],
    budget: FuzzBudget,
) -> None:
    @settings(
        max_examples=budget.examples,
        derandomize=budget.deterministic,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        print_blob=True,
    )
    @given(case=operation.as_strategy(generation_mode=mode), aimed=st.booleans())
    def run(case: Case, aimed: bool) -> None:
        if seed is not None and aimed:
            _aim(case, seed)
        case.call_and_validate(headers=headers)

    run()


def test_every_operation(
    served_schema: BaseSchema,
    fuzz_seeds: dict[tuple[str, str], Seed],
    fuzz_budget: FuzzBudget,
    world: World,
    subtests: pytest.Subtests,
) -> None:
    operations = [r.ok() for r in served_schema.get_all_operations() if isinstance(r, Ok)]
    assert len(operations) >= 80, "the served document lost its operations"
    for operation in operations:
        seed = fuzz_seeds.get((operation.method.upper(), operation.path))
        headers = world.headers(seed.user) if seed is not None else {}
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            with subtests.test(msg=f"{operation.label} {mode.value}"):
                _fuzz(operation, mode, seed, headers, fuzz_budget)
