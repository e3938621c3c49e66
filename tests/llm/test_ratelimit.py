"""Rate limits: the server's arrival times are the measure; callers await, nothing polls."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from hadron.llm import ModelHub, parse_spec
from hadron.llm.ratelimit import AdaptiveGate, RateLimiter, TokenBucket
from hadron.testing import FaultServer

Serve = Callable[..., FaultServer]


async def test_requests_per_minute_is_held_at_the_server(serve: Serve) -> None:
    server = serve()
    async with ModelHub() as hub:
        model = hub.get(parse_spec(server.spec(), rpm=600))  # 10 requests/s
        await asyncio.gather(*(model.chat(f"q{i}") for i in range(21)))
    arrivals = sorted(r.arrival for r in server.chat_requests())
    assert arrivals[-1] - arrivals[0] >= 20 / 10 * 0.95
    for i, start in enumerate(arrivals):  # no one-second window holds much more than rpm/60
        assert sum(1 for t in arrivals[i:] if t - start < 1.0) <= 12


async def test_limits_are_shared_per_endpoint_and_model(serve: Serve) -> None:
    server = serve()
    async with ModelHub() as hub:
        one = hub.get(parse_spec(server.spec(), rpm=600, name="a"))
        two = hub.get(parse_spec(server.spec(), rpm=600, name="b"))
        assert one is not two
        await asyncio.gather(*(model.chat(f"q{i}") for i in range(6) for model in (one, two)))
    arrivals = sorted(r.arrival for r in server.chat_requests())
    assert arrivals[-1] - arrivals[0] >= 11 / 10 * 0.95


async def test_concurrency_cap_is_held(serve: Serve) -> None:
    server = serve(latency_s=0.05)
    async with ModelHub() as hub:
        model = hub.get(parse_spec(server.spec(), max_concurrency=4, adaptive=False))
        start = time.monotonic()
        await asyncio.gather(*(model.chat(f"q{i}") for i in range(16)))
    assert time.monotonic() - start >= 16 / 4 * 0.05 * 0.9


async def test_token_bucket_sleeps_until_tokens_are_due() -> None:
    bucket = TokenBucket(rate=100.0, capacity=10.0)
    start = time.monotonic()
    await bucket.take(10)  # the burst is free
    assert time.monotonic() - start < 0.09  # a paid take would sleep 0.1 s
    await asyncio.gather(bucket.take(10), bucket.take(10))  # 20 tokens of debt: 0.2 s
    assert 0.18 <= time.monotonic() - start < 0.4


async def test_tokens_per_minute_charges_the_real_usage() -> None:
    limiter = RateLimiter(tpm=6000, max_concurrency=8)  # 100 tokens/s, burst 6000
    assert limiter.tokens is not None
    async with limiter.slot(100) as slot:
        slot.done(6000)  # the answer used far more than reserved: the bucket is now empty
    start = time.monotonic()
    async with limiter.slot(10):
        pass
    assert 0.08 <= time.monotonic() - start < 0.5


async def test_adaptive_gate_halves_on_429_once_per_burst_and_recovers() -> None:
    gate = AdaptiveGate(8, adaptive=True, recover_after=2)
    generations = [await gate.acquire() for _ in range(4)]
    for generation in generations:  # four 429s from requests started before the first decrease
        gate.rate_limited(generation)
        gate.release()
    assert gate.limit == 4
    generation = await gate.acquire()
    gate.rate_limited(generation)
    gate.release()
    assert gate.limit == 2
    for _ in range(4):
        gate.succeeded()
    assert gate.limit == 4


async def test_adaptive_gate_wakes_waiters_in_order() -> None:
    gate = AdaptiveGate(1, adaptive=False)
    await gate.acquire()
    order: list[int] = []

    async def wait(i: int) -> None:
        await gate.acquire()
        order.append(i)
        gate.release()

    tasks = [asyncio.create_task(wait(i)) for i in range(3)]
    await asyncio.sleep(0)
    assert gate.in_flight == 1 and not order
    gate.release()
    await asyncio.gather(*tasks)
    assert order == [0, 1, 2] and gate.in_flight == 0


async def test_cancelled_waiter_does_not_leak_a_slot() -> None:
    gate = AdaptiveGate(1, adaptive=False)
    await gate.acquire()
    task = asyncio.create_task(gate.acquire())
    await asyncio.sleep(0)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    gate.release()
    assert gate.in_flight == 0
    await asyncio.wait_for(gate.acquire(), 0.1)
