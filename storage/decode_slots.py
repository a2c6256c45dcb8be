"""Decode slots shared fairly between the accounts that upload at the same time.

Each image decode is a child process on one core (storage/images.py), so a process
allows only a few at once. A plain capacity limiter hands a freed slot to whoever asked
first: one account that sends a burst of slow but valid files (each allowed up to the
decode timeout) fills every slot and the queue behind them, and everybody else's photo
waits for the whole burst. Here:

- one owner holds at most `per_owner` slots at once (by default half of them, at least
  one), so the other half stays free for everyone else;
- a freed slot goes to the waiting owner that holds the fewest slots and, among those,
  was served longest ago (round robin); an owner's own requests keep their order.

An owner is an opaque, hashable key chosen by the caller (the API passes the user id);
this module knows nothing about accounts. Waiting happens on the event loop, never in a
worker thread, so waiting requests do not hold threads that other work (object store
calls) needs.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import AsyncIterator, Callable, Hashable
from contextlib import asynccontextmanager
from typing import TypeVar

import anyio
import anyio.to_thread

_T = TypeVar("_T")


class DecodeSlots:
    """At most `total` holders at once, at most `per_owner` of them for one owner."""

    def __init__(self, total: int, *, per_owner: int | None = None) -> None:
        if total < 1 or (per_owner is not None and per_owner < 1):
            raise ValueError("slot counts must be positive")
        self.total = total
        self.per_owner = min(total, per_owner or max(1, total // 2))
        self._held: Counter[Hashable] = Counter()
        # Owners with waiting requests, in the order they started waiting; each one's
        # own requests in arrival order.
        self._waiting: dict[Hashable, deque[anyio.Event]] = {}
        # When each owner that holds or waits was last given a slot (a counter).
        self._turn = 0
        self._last_turn: dict[Hashable, int] = {}
        # Threads for the decodes themselves: one per slot, apart from anyio's default
        # pool, which the object store's calls use.
        self._threads: anyio.CapacityLimiter | None = None

    @property
    def in_use(self) -> int:
        return sum(self._held.values())

    def held_by(self, owner: Hashable) -> int:
        return self._held[owner]

    @asynccontextmanager
    async def hold(self, owner: Hashable) -> AsyncIterator[None]:
        """One slot for `owner` for the duration of the block."""
        granted = anyio.Event()
        self._waiting.setdefault(owner, deque()).append(granted)
        self._dispatch()
        try:
            await granted.wait()
        except BaseException:
            # Cancelled while waiting (the client went away), or just as the slot came.
            if granted.is_set():
                self._release(owner)
            else:
                self._forget(owner, granted)
            raise
        try:
            yield
        finally:
            self._release(owner)

    async def run(self, owner: Hashable, func: Callable[..., _T], *args: object) -> _T:
        """`func(*args)` in a worker thread, once `owner` has a slot."""
        async with self.hold(owner):
            if self._threads is None:
                self._threads = anyio.CapacityLimiter(self.total)
            return await anyio.to_thread.run_sync(func, *args, limiter=self._threads)

    def _dispatch(self) -> None:
        while self.in_use < self.total:
            found = self._next_owner()
            if found is None:
                return
            (owner,) = found
            queue = self._waiting[owner]
            granted = queue.popleft()
            if not queue:
                del self._waiting[owner]
            self._held[owner] += 1
            self._turn += 1
            self._last_turn[owner] = self._turn
            granted.set()

    def _next_owner(self) -> tuple[Hashable] | None:
        """(owner,) of the waiting owner to serve next; None when nobody may have one."""
        best: tuple[tuple[int, int], Hashable] | None = None
        for owner in self._waiting:  # in order of arrival, so full ties go to the first
            held = self._held[owner]
            rank = (held, self._last_turn.get(owner, 0))
            if held < self.per_owner and (best is None or rank < best[0]):
                best = (rank, owner)
        return None if best is None else (best[1],)

    def _release(self, owner: Hashable) -> None:
        self._held[owner] -= 1
        if self._held[owner] <= 0:
            del self._held[owner]
        self._tidy(owner)
        self._dispatch()

    def _forget(self, owner: Hashable, granted: anyio.Event) -> None:
        queue = self._waiting.get(owner)
        if queue is None:
            return
        queue.remove(granted)
        if not queue:
            del self._waiting[owner]
        self._tidy(owner)

    def _tidy(self, owner: Hashable) -> None:
        # An owner that neither holds nor waits is forgotten: no state per past user.
        if self._held[owner] == 0 and owner not in self._waiting:
            self._last_turn.pop(owner, None)
