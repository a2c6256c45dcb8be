"""A phone's outbox in miniature: send, and on a 5xx or a dropped connection send the
same request (same client id) again until it is stored. Every answer is kept, so a
test can say what the clients saw during the outage."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import anyio
import httpx

STORED = (200, 201)


@dataclass
class Outcome:
    """What one queued item went through: each answer (status, code) or transport error."""

    name: str
    answers: list[tuple[int, str | None]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    body: dict[str, object] | None = None

    @property
    def stored(self) -> bool:
        return bool(self.answers) and self.answers[-1][0] in STORED

    def statuses(self) -> set[int]:
        return {status for status, _ in self.answers}


def _code(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body.get("code") if isinstance(body, dict) else None


async def send_until_stored(
    name: str,
    send: Callable[[], Awaitable[httpx.Response]],
    *,
    deadline_s: float = 60,
    pause_s: float = 0.3,
) -> Outcome:
    """Retry like the PWA's outbox: 5xx and network errors keep the item queued, any
    other answer ends it (a 4xx would go to the visible failed list)."""
    outcome = Outcome(name)
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        try:
            response = await send()
        except httpx.TransportError as exc:
            outcome.errors.append(type(exc).__name__)
            await anyio.sleep(pause_s)
            continue
        outcome.answers.append((response.status_code, _code(response)))
        if response.status_code < 500:
            if response.status_code in STORED:
                outcome.body = response.json()
            return outcome
        await anyio.sleep(pause_s)
    return outcome
