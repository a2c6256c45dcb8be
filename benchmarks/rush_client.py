"""The phones of the rush: an httpx client that behaves like the PWA's outbox.

Every create carries a client-generated id; a network error, a 5xx or a 429 is sent
again after a backoff with the SAME id and body (honouring Retry-After), a 4xx is final.
At most `concurrency` requests are in flight at once, whoever sends them.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from typing import Any

import httpx

from benchmarks.rush_stats import Attempt, Ledger

MAX_ATTEMPTS = 6
BACKOFF_S = 0.25
BACKOFF_CAP_S = 5.0


def _code(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("code"), str):
        return str(body["code"])
    return f"http_{response.status_code}"


def _retryable(status: int | None) -> bool:
    return status is None or status >= 500 or status == 429


class Phones:
    def __init__(
        self,
        base_url: str,
        concurrency: int,
        ledger: Ledger,
        seed: int,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.http = httpx.AsyncClient(
            base_url=base_url,
            transport=transport,
            timeout=httpx.Timeout(120.0, connect=10.0),
            limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency),
        )
        self.slots = asyncio.Semaphore(concurrency)
        self.ledger = ledger
        self.rng = random.Random(seed)  # noqa: S311 - jitter only

    async def aclose(self) -> None:
        await self.http.aclose()

    async def send(
        self,
        endpoint: str,
        method: str,
        url: str,
        *,
        token: str | None = None,
        accept_as: tuple[str, uuid.UUID] | None = None,
        **kwargs: Any,
    ) -> httpx.Response | None:
        """The response of the first attempt that was not retryable, or None when the
        operation ended in an error (recorded in the ledger by code)."""
        headers = dict(kwargs.pop("headers", {}))
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        code = "unknown"
        for attempt in range(MAX_ATTEMPTS):
            status: int | None = None
            response: httpx.Response | None = None
            async with self.slots:
                started = time.perf_counter()
                try:
                    response = await self.http.request(method, url, headers=headers, **kwargs)
                except httpx.TransportError as exc:
                    code = f"network_{type(exc).__name__}"
                else:
                    status = response.status_code
                    code = _code(response) if status >= 400 else "ok"
                elapsed = (time.perf_counter() - started) * 1000
            self.ledger.attempt(Attempt(endpoint, status, elapsed, None if code == "ok" else code))
            if response is not None and status is not None and status < 400:
                if accept_as is not None:
                    self.ledger.accept(*accept_as)
                return response
            if not _retryable(status) or attempt == MAX_ATTEMPTS - 1:
                break
            self.ledger.retry(endpoint)
            await asyncio.sleep(self._backoff(attempt, response))
        self.ledger.fail(endpoint, code)
        return None

    def _backoff(self, attempt: int, response: httpx.Response | None) -> float:
        if response is not None:
            retry_after = response.headers.get("Retry-After", "")
            if retry_after.isdigit():
                return min(float(retry_after), BACKOFF_CAP_S)
        delay: float = min(BACKOFF_S * 2.0**attempt, BACKOFF_CAP_S)
        return delay * (0.5 + self.rng.random())

    async def send_twice(
        self, endpoint: str, method: str, url: str, **kwargs: Any
    ) -> httpx.Response | None:
        """The same request twice at the same moment (a phone that resends while its first
        try is still in flight); both must succeed and name the same row."""
        first, second = await asyncio.gather(
            self.send(endpoint, method, url, **kwargs), self.send(endpoint, method, url, **kwargs)
        )
        self.ledger.duplicate_pairs.append(
            (
                first.status_code if first is not None else None,
                second.status_code if second is not None else None,
            )
        )
        if first is not None and second is not None:
            a, b = first.json().get("id"), second.json().get("id")
            if a != b:
                self.ledger.fail(endpoint, "duplicate_answered_other_id")
        return first or second
