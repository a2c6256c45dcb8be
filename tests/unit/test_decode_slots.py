"""Decode slots: one account's burst of uploads cannot make everyone else's wait.

The last test runs real decoder children (storage/images.py) behind the slots, next to
the plain first-come capacity limiter the API used before, which it must beat.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import anyio
import anyio.to_thread
import pytest

from storage.decode_slots import DecodeSlots
from storage.images import ImageWorkers, ProcessedImage
from tests.support.images import encode, many_scan_jpeg, photo


async def _hold_until(slots: DecodeSlots, owner: str, release: anyio.Event, log: list[str]) -> None:
    async with slots.hold(owner):
        log.append(owner)
        await release.wait()


def test_per_owner_defaults_to_half_the_slots() -> None:
    assert DecodeSlots(1).per_owner == 1
    assert DecodeSlots(2).per_owner == 1
    assert DecodeSlots(5).per_owner == 2
    assert DecodeSlots(8).per_owner == 4
    assert DecodeSlots(2, per_owner=5).per_owner == 2
    with pytest.raises(ValueError, match="positive"):
        DecodeSlots(0)


async def test_one_owner_holds_at_most_its_share_and_others_get_the_rest() -> None:
    slots = DecodeSlots(4)
    release = anyio.Event()
    log: list[str] = []
    async with anyio.create_task_group() as tg:
        for _ in range(6):
            tg.start_soon(_hold_until, slots, "a", release, log)
        await anyio.wait_all_tasks_blocked()
        assert (slots.in_use, slots.held_by("a")) == (2, 2)
        for _ in range(2):
            tg.start_soon(_hold_until, slots, "b", release, log)
        await anyio.wait_all_tasks_blocked()
        # b did not queue behind a's four waiting requests.
        assert log == ["a", "a", "b", "b"]
        release.set()
    assert slots.in_use == 0
    assert log.count("a") == 6


async def test_a_freed_slot_goes_to_the_waiting_owner_holding_fewest() -> None:
    """One slot: a's later requests wait behind b's and c's, who came after them."""
    slots = DecodeSlots(1)
    releases = {name: anyio.Event() for name in ("a1", "a2", "a3", "b1", "c1")}
    order: list[str] = []

    async def one(name: str) -> None:
        async with slots.hold(name[0]):
            order.append(name)
            await releases[name].wait()

    async with anyio.create_task_group() as tg:
        for name in ("a1", "a2", "a3", "b1", "c1"):
            tg.start_soon(one, name)
            await anyio.wait_all_tasks_blocked()
        for _ in range(5):
            releases[order[-1]].set()
            await anyio.wait_all_tasks_blocked()
    assert order == ["a1", "b1", "c1", "a2", "a3"]


async def test_a_cancelled_wait_leaves_nothing_behind() -> None:
    slots = DecodeSlots(1)
    release = anyio.Event()
    log: list[str] = []
    async with anyio.create_task_group() as tg:
        tg.start_soon(_hold_until, slots, "a", release, log)
        await anyio.wait_all_tasks_blocked()
        with anyio.move_on_after(0.05):
            async with slots.hold("b"):
                pytest.fail("b got a slot that a holds")
        release.set()
    assert slots.in_use == 0
    async with slots.hold("c"):
        assert slots.held_by("c") == 1


# ----------------------------------------------------------- with real decoders


@pytest.fixture(scope="module")
def uploads() -> dict[str, bytes]:
    return {
        # Valid and within the scan limit (91 scans at 27 MP): a slow decode, which
        # one account can send as often as it likes.
        "slow": many_scan_jpeg(6000, 4500, extra_scans=80),
        "small": encode(photo(800, 600, seed=3), "JPEG"),
    }


@pytest.fixture
def workers() -> Iterator[ImageWorkers]:
    pool = ImageWorkers(2)
    yield pool
    pool.close()


Gate = Callable[[str, Callable[[bytes], ProcessedImage], bytes], Awaitable[ProcessedImage]]


async def _finish_order(gate: Gate, workers: ImageWorkers, uploads: dict[str, bytes]) -> list[str]:
    """Account a sends four slow files at once, then b one small photo: who finishes when."""
    finished: list[str] = []

    async def upload(owner: str, kind: str) -> None:
        await gate(owner, workers.process, uploads[kind])
        finished.append(owner)

    async with anyio.create_task_group() as tg:
        for _ in range(4):
            tg.start_soon(upload, "a", "slow")
        await anyio.wait_all_tasks_blocked()
        tg.start_soon(upload, "b", "small")
    return finished


async def test_another_account_does_not_wait_for_one_accounts_slow_burst(
    workers: ImageWorkers, uploads: dict[str, bytes]
) -> None:
    first_come = anyio.CapacityLimiter(2)

    async def plain(owner: str, func: Callable[[bytes], ProcessedImage], data: bytes) -> Any:
        return await anyio.to_thread.run_sync(func, data, limiter=first_come)

    # What the API did before: b's photo queues behind a's whole first round.
    started = time.perf_counter()
    before = await _finish_order(plain, workers, uploads)
    slow_round = (time.perf_counter() - started) / 2
    assert before.index("b") >= 2, before

    slots = DecodeSlots(2)
    after = await _finish_order(slots.run, workers, uploads)
    assert after[0] == "b", after
    assert slots.in_use == 0
    # The slow files really are slow next to the small photo (about a second each here).
    assert slow_round > 0.2
