"""The morning rush's bookkeeping, kept free of I/O so it can be tested on hand-made data:
what each request attempt took, per-endpoint percentiles, the exact-once and orphan
checks, and the markdown report."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

PERCENTILES = (50, 95, 99)


def percentile(values: Sequence[float], pct: float) -> float:
    """Linear interpolation between closest ranks (numpy's default); 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    pos = (len(ordered) - 1) * pct / 100.0
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


@dataclass(frozen=True)
class Attempt:
    """One HTTP attempt: `status` None when the network failed (no answer at all)."""

    endpoint: str
    status: int | None
    ms: float
    code: str | None = None


@dataclass
class Ledger:
    """Every attempt, and how each logical operation (one client id) ended."""

    attempts: list[Attempt] = field(default_factory=list)
    # endpoint -> number of re-sends after a network error, 5xx or 429 (same id)
    retries: Counter[str] = field(default_factory=Counter)
    # endpoint -> error code of operations that ended in an error (after retries)
    failures: dict[str, Counter[str]] = field(default_factory=dict)
    # what the server stored, per kind: ids whose create was answered 200/201
    accepted: dict[str, set[uuid.UUID]] = field(default_factory=dict)
    # concurrent duplicate pairs: the pair of statuses each got
    duplicate_pairs: list[tuple[int | None, int | None]] = field(default_factory=list)

    def attempt(self, attempt: Attempt) -> None:
        self.attempts.append(attempt)

    def retry(self, endpoint: str) -> None:
        self.retries[endpoint] += 1

    def fail(self, endpoint: str, code: str) -> None:
        self.failures.setdefault(endpoint, Counter())[code] += 1

    def accept(self, kind: str, client_id: uuid.UUID) -> None:
        self.accepted.setdefault(kind, set()).add(client_id)

    @property
    def error_count(self) -> int:
        return sum(sum(c.values()) for c in self.failures.values())


@dataclass(frozen=True)
class EndpointRow:
    endpoint: str
    requests: int
    per_s: float
    p50: float
    p95: float
    p99: float
    retries: int
    errors: str


def endpoint_rows(ledger: Ledger, wall_s: float) -> list[EndpointRow]:
    """Per endpoint: attempts, attempts per second of the rush, latency percentiles of
    the answered attempts (ms), retries, and operations that ended in an error by code."""
    by_endpoint: dict[str, list[Attempt]] = {}
    for a in ledger.attempts:
        by_endpoint.setdefault(a.endpoint, []).append(a)
    rows = []
    for endpoint in sorted(by_endpoint):
        attempts = by_endpoint[endpoint]
        answered = [a.ms for a in attempts if a.status is not None]
        failed = ledger.failures.get(endpoint, Counter())
        rows.append(
            EndpointRow(
                endpoint=endpoint,
                requests=len(attempts),
                per_s=len(attempts) / wall_s if wall_s > 0 else 0.0,
                p50=percentile(answered, 50),
                p95=percentile(answered, 95),
                p99=percentile(answered, 99),
                retries=ledger.retries.get(endpoint, 0),
                errors=", ".join(f"{c} {n}" for c, n in sorted(failed.items())) or "0",
            )
        )
    return rows


def exact_once(accepted: Iterable[uuid.UUID], stored: Iterable[uuid.UUID]) -> list[str]:
    """Problems with `stored` (one id per stored row, or per audit 'create' entry) against
    the ids the server acknowledged: a row twice, an acknowledged id missing, or a row no
    acknowledged request stands for. Empty when every accepted request is stored once."""
    accepted_ids = set(accepted)
    counts = Counter(stored)
    problems = []
    twice = sorted(str(i) for i, n in counts.items() if n > 1)
    if twice:
        problems.append(f"{len(twice)} stored more than once (e.g. {twice[0]})")
    missing = sorted(str(i) for i in accepted_ids - counts.keys())
    if missing:
        problems.append(f"{len(missing)} accepted but not stored (e.g. {missing[0]})")
    extra = sorted(str(i) for i in counts.keys() - accepted_ids)
    if extra:
        problems.append(f"{len(extra)} stored but never accepted (e.g. {extra[0]})")
    return problems


def object_problems(objects: Iterable[str], referenced: Iterable[str]) -> list[str]:
    """S3 against the database: objects no row points at (orphans) and keys a row points
    at that the store does not hold (lost)."""
    held, wanted = set(objects), set(referenced)
    problems = []
    orphans = sorted(held - wanted)
    if orphans:
        problems.append(f"{len(orphans)} orphan objects (e.g. {orphans[0]})")
    lost = sorted(wanted - held)
    if lost:
        problems.append(f"{len(lost)} referenced objects missing (e.g. {lost[0]})")
    return problems


@dataclass(frozen=True)
class Check:
    name: str
    problems: list[str]
    detail: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems


def render(
    rows: list[EndpointRow],
    checks: list[Check],
    facts: list[tuple[str, str]],
) -> str:
    """The report: facts of the run, the per-endpoint table, then every check."""
    lines = ["| | |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in facts]
    lines += [
        "",
        "| endpoint | requests | req/s | p50 ms | p95 ms | p99 ms | retries | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r.endpoint} | {r.requests} | {r.per_s:.1f} | {r.p50:.0f} | {r.p95:.0f} "
            f"| {r.p99:.0f} | {r.retries} | {r.errors} |"
        )
    lines += ["", "| check | result |", "|---|---|"]
    for c in checks:
        verdict = "ok" if c.ok else "FAILED: " + "; ".join(c.problems)
        lines.append(f"| {c.name} | {verdict}{' (' + c.detail + ')' if c.detail else ''} |")
    return "\n".join(lines)
