"""The morning rush's bookkeeping (benchmarks/rush_stats.py) and its phones' retry rules
(benchmarks/rush_client.py) on hand-made data: the numbers and verdicts `make load`
prints must be right before anyone trusts its table."""

from __future__ import annotations

import json
import random
import uuid

import httpx
import numpy as np
import pytest

from benchmarks import rush_client
from benchmarks.rush_client import Phones
from benchmarks.rush_stats import (
    Attempt,
    Check,
    Ledger,
    endpoint_rows,
    exact_once,
    object_problems,
    percentile,
    render,
)


def test_percentile_matches_numpy_linear() -> None:
    rng = random.Random(7)
    values = [rng.uniform(1, 900) for _ in range(337)]
    for pct in (0, 50, 95, 99, 100):
        assert percentile(values, pct) == pytest.approx(float(np.percentile(values, pct)))


def test_percentile_of_tiny_samples() -> None:
    assert percentile([], 99) == 0.0
    assert percentile([42.0], 50) == 42.0
    assert percentile([10.0, 20.0], 50) == 15.0
    # Order of arrival does not matter.
    assert percentile([5.0, 1.0, 3.0], 50) == 3.0


def test_exact_once_passes_only_when_every_accepted_id_is_stored_once() -> None:
    a, b, c = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    assert exact_once({a, b}, [b, a]) == []
    doubled = exact_once({a, b}, [a, b, b])
    assert len(doubled) == 1
    assert "more than once" in doubled[0]
    assert str(b) in doubled[0]
    missing = exact_once({a, b}, [a])
    assert len(missing) == 1
    assert "not stored" in missing[0]
    assert str(b) in missing[0]
    extra = exact_once({a}, [a, c])
    assert len(extra) == 1
    assert "never accepted" in extra[0]
    assert str(c) in extra[0]
    assert len(exact_once({a, b}, [a, a, c])) == 3


def test_object_problems_finds_orphans_and_lost_objects() -> None:
    assert object_problems(["p/1", "t/1"], ["t/1", "p/1", "p/1"]) == []
    orphan = object_problems(["p/1", "p/2"], ["p/1"])
    assert orphan == ["1 orphan objects (e.g. p/2)"]
    lost = object_problems(["p/1"], ["p/1", "s/9"])
    assert lost == ["1 referenced objects missing (e.g. s/9)"]


def test_endpoint_rows_count_attempts_and_only_answered_latencies() -> None:
    ledger = Ledger()
    for ms in (10.0, 20.0, 30.0, 40.0):
        ledger.attempt(Attempt("GET /x", 200, ms))
    # A network failure has no answer: counted as a request, kept out of the latencies.
    ledger.attempt(Attempt("GET /x", None, 9000.0, "network_ConnectError"))
    ledger.retry("GET /x")
    ledger.attempt(Attempt("POST /y", 422, 5.0, "validation_error"))
    ledger.fail("POST /y", "validation_error")
    rows = {r.endpoint: r for r in endpoint_rows(ledger, wall_s=2.0)}
    x, y = rows["GET /x"], rows["POST /y"]
    assert (x.requests, x.per_s, x.retries, x.errors) == (5, 2.5, 1, "0")
    assert x.p50 == 25.0
    assert x.p99 == pytest.approx(39.7)
    assert y.errors == "validation_error 1"
    assert ledger.error_count == 1


def test_render_says_failed_with_the_problem() -> None:
    text = render(
        [], [Check("a", []), Check("b", ["2 orphan objects"], "10 objects")], [("k", "v")]
    )
    assert "| a | ok |" in text
    assert "| b | FAILED: 2 orphan objects (10 objects) |" in text
    assert "| k | v |" in text


def _phones(handler: httpx.MockTransport, ledger: Ledger) -> Phones:
    return Phones("http://rush.test", 4, ledger, seed=1, transport=handler)


async def test_retries_5xx_and_network_errors_with_the_same_body(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(rush_client, "BACKOFF_S", 0.0)
    seen: list[bytes] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.content)
        if len(seen) == 1:
            raise httpx.ConnectError("refused", request=request)
        if len(seen) == 2:
            return httpx.Response(503, json={"code": "storage_unavailable"})
        return httpx.Response(201, json={"id": json.loads(request.content)["id"]})

    ledger = Ledger()
    phones = _phones(httpx.MockTransport(answer), ledger)
    client_id = uuid.uuid4()
    response = await phones.send(
        "POST /p", "POST", "/p", json={"id": str(client_id)}, accept_as=("p", client_id)
    )
    await phones.aclose()
    assert response is not None
    assert response.status_code == 201
    assert len(seen) == 3
    assert len(set(seen)) == 1
    assert ledger.retries["POST /p"] == 2
    assert [a.status for a in ledger.attempts] == [None, 503, 201]
    assert [a.code for a in ledger.attempts] == [
        "network_ConnectError",
        "storage_unavailable",
        None,
    ]
    assert ledger.accepted == {"p": {client_id}}
    assert ledger.error_count == 0


async def test_a_4xx_is_final_and_counted_by_code() -> None:
    calls = 0

    def answer(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return httpx.Response(409, json={"code": "id_conflict"})

    ledger = Ledger()
    phones = _phones(httpx.MockTransport(answer), ledger)
    client_id = uuid.uuid4()
    assert await phones.send("POST /p", "POST", "/p", accept_as=("p", client_id)) is None
    await phones.aclose()
    assert calls == 1
    assert ledger.failures == {"POST /p": {"id_conflict": 1}}
    assert ledger.accepted == {}


async def test_gives_up_after_max_attempts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rush_client, "BACKOFF_S", 0.0)
    ledger = Ledger()
    phones = _phones(httpx.MockTransport(lambda r: httpx.Response(500, text="boom")), ledger)
    assert await phones.send("GET /g", "GET", "/g") is None
    await phones.aclose()
    assert len(ledger.attempts) == rush_client.MAX_ATTEMPTS
    assert ledger.retries["GET /g"] == rush_client.MAX_ATTEMPTS - 1
    assert ledger.failures == {"GET /g": {"http_500": 1}}


async def test_duplicate_pair_is_recorded_and_other_ids_are_an_error() -> None:
    n = 0

    def answer(request: httpx.Request) -> httpx.Response:
        nonlocal n
        n += 1
        # A broken server that creates twice under different ids.
        return httpx.Response(201, json={"id": str(uuid.uuid4())})

    ledger = Ledger()
    phones = _phones(httpx.MockTransport(answer), ledger)
    await phones.send_twice("POST /p", "POST", "/p")
    await phones.aclose()
    assert ledger.duplicate_pairs == [(201, 201)]
    assert ledger.failures == {"POST /p": {"duplicate_answered_other_id": 1}}
