"""The limiter actor's logic, run in-process (the same class Ray hosts as an actor)."""

from __future__ import annotations

import asyncio
import time

import pytest

from hadron.runtime.executors import ray_limits
from hadron.runtime.executors.ray_limits import LimiterActor


async def test_permits_bound_concurrency_and_return_on_release() -> None:
    actor = LimiterActor(rpm=None, tpm=None, max_concurrency=2, adaptive=False, lease_s=60)
    first, second = await actor.acquire(0), await actor.acquire(0)
    waiting = asyncio.create_task(actor.acquire(0))
    await asyncio.sleep(0.05)
    assert not waiting.done() and await actor.in_flight() == 2
    await actor.release(first, 10, False)
    third = await asyncio.wait_for(waiting, 1)
    assert third not in (first, second)
    await actor.release(first, 10, False)  # released twice: ignored
    assert await actor.in_flight() == 2


async def test_requests_per_minute_space_permits_evenly() -> None:
    actor = LimiterActor(rpm=600, tpm=None, max_concurrency=8, adaptive=False, lease_s=60)
    start = time.monotonic()
    for _ in range(4):
        await actor.release(await actor.acquire(0), 1, False)
    assert time.monotonic() - start >= 0.3 * 0.9  # 10/s: the first is free, then one per 0.1 s


async def test_a_429_halves_the_concurrency_once() -> None:
    actor = LimiterActor(rpm=None, tpm=None, max_concurrency=8, adaptive=True, lease_s=60)
    permits = [await actor.acquire(0) for _ in range(3)]
    for permit in permits:
        await actor.release(permit, None, True)
    assert actor.limiter.gate.limit == 4


async def test_a_permit_held_by_a_dead_worker_comes_back_after_its_lease(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ray_limits, "REAP_EVERY_S", 0.05)
    actor = LimiterActor(rpm=None, tpm=None, max_concurrency=1, adaptive=False, lease_s=0.2)
    await actor.acquire(0)  # never released: its holder was killed
    await asyncio.wait_for(actor.acquire(0), 2)
