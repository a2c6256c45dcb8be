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
from hypothesis.errors import Unsatisfiable
from schemathesis import Case, GenerationMode
from schemathesis.core.parameters import ParameterLocation
from schemathesis.core.result import Ok
from schemathesis.schemas import APIOperation, BaseSchema
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.fuzz.conftest import FuzzBudget
from tests.fuzz.seeds import Seed
from tests.support.factories import World

# Uploads whose `meta` part is JSON inside a text part: the document can only call it a
# string, so a generated string is "valid" to schemathesis and a 400 malformed_json to
# the API. Their other checks (no 5xx, documented statuses, content types, bodies,
# invalid input refused) all run; the seeded examples send a real meta and are
# accepted.
JSON_IN_TEXT_PART = {
    ("POST", "/api/attendance/punches"),
    ("POST", "/api/photos"),
    ("POST", "/api/inspections/{inspection_id}/photos"),
}


def _negative(case: Case[Any]) -> bool:
    return case.meta is not None and case.meta.generation.mode.is_negative


def _path_is_valid(case: Case[Any]) -> bool:
    component = case.meta.components.get(ParameterLocation.PATH) if case.meta else None
    return component is not None and not component.mode.is_negative


def _aim(case: Case[Any], seed: Seed) -> None:
    """Point the case at real objects. An invalid (negative) case keeps everything it
    generated but valid path ids, so its invalid part reaches the handler behind them
    instead of stopping at a 404; a valid case also takes the seed's query and body."""
    if _negative(case):
        if seed.path and _path_is_valid(case):
            case.path_parameters = {**(case.path_parameters or {}), **seed.path}
        return
    if seed.path:
        case.path_parameters = {**(case.path_parameters or {}), **seed.path}
    if seed.query:
        case.query = {**(case.query or {}), **seed.query}
    if seed.body is not None:
        case.body = seed.body


def _fuzz(
    operation: APIOperation,  # type: ignore[type-arg]
    mode: GenerationMode,
    seed: Seed | None,
    headers: dict[str, Any],
    budget: FuzzBudget,
) -> bool:
    """Fuzz one operation in one mode; False when there is no input of that mode at all."""
    key = (operation.method.upper(), operation.path)
    excluded: list[Any] = [positive_data_acceptance] if key in JSON_IN_TEXT_PART else []

    @settings(
        max_examples=budget.examples,
        derandomize=budget.deterministic,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        print_blob=True,
    )
    @given(case=operation.as_strategy(generation_mode=mode), aimed=st.booleans())
    def run(case: Case[Any], aimed: bool) -> None:
        if seed is not None and aimed:
            _aim(case, seed)
        case.call_and_validate(headers=headers, excluded_checks=excluded)

    try:
        run()
    except Unsatisfiable:
        # No parameters, no body and no token (the health probes): there is no invalid
        # input to send, which the negative run reports as unsatisfiable.
        if mode is GenerationMode.NEGATIVE:
            return False
        raise
    return True


# The probes take no parameters, body or token: nothing about them can be invalid.
NOTHING_TO_NEGATE = {"GET /health", "GET /health/live", "GET /health/ready"}


def test_every_operation(
    served_schema: BaseSchema,
    fuzz_seeds: dict[tuple[str, str], Seed],
    fuzz_budget: FuzzBudget,
    world: World,
    subtests: pytest.Subtests,
) -> None:
    operations = [r.ok() for r in served_schema.get_all_operations() if isinstance(r, Ok)]
    assert len(operations) >= 80, "the served document lost its operations"
    without_invalid_input = set()
    for operation in operations:
        seed = fuzz_seeds.get((operation.method.upper(), operation.path))
        headers = world.headers(seed.user) if seed is not None else {}
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            with subtests.test(msg=f"{operation.label} {mode.value}"):
                if not _fuzz(operation, mode, seed, headers, fuzz_budget):
                    without_invalid_input.add(operation.label)
    # Only the probes may go without a negative run; anything else would be a gap.
    assert without_invalid_input == NOTHING_TO_NEGATE
