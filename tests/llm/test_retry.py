"""Retries against the fault server: what the server saw is the ground truth."""

from __future__ import annotations

import asyncio
import itertools
import random
from collections.abc import Callable

import pytest

from hadron.llm import ModelHub, RateLimited, ServerError, parse_spec
from hadron.llm.retry import RetryPolicy
from hadron.testing import FAULT_KINDS, FaultServer, expected_reply

Serve = Callable[..., FaultServer]


def gaps(server: FaultServer) -> list[float]:
    arrivals = [r.arrival for r in server.chat_requests()]
    return [b - a for a, b in itertools.pairwise(arrivals)]


async def test_retry_after_is_honoured(serve: Serve) -> None:
    server = serve(sequence=["rate_limit", None], retry_after_s=0.6)
    async with ModelHub() as hub:
        completion = await hub.get(parse_spec(server.spec(), backoff_s=0.01)).chat("x")
    assert completion.attempts == 2 and completion.text == expected_reply("x")
    assert gaps(server)[0] >= 0.6


async def test_429_without_retry_after_uses_backoff(serve: Serve) -> None:
    server = serve(sequence=["rate_limit_bare", "rate_limit_bare", None])
    async with ModelHub() as hub:
        completion = await hub.get(parse_spec(server.spec(), backoff_s=0.01)).chat("x")
    assert completion.attempts == 3
    assert all(gap < 0.5 for gap in gaps(server))


async def test_hang_past_the_timeout_is_retried(serve: Serve) -> None:
    server = serve(sequence=["hang", None])
    async with ModelHub() as hub:
        completion = await hub.get(parse_spec(server.spec(), timeout_s=0.4, backoff_s=0.01)).chat("x")
    assert completion.attempts == 2 and completion.text == expected_reply("x")
    assert 0.4 <= gaps(server)[0] < 2.0


async def test_every_fault_kind_once_then_success(serve: Serve) -> None:
    server = serve(sequence=list(FAULT_KINDS), retry_after_s=0.05)
    async with ModelHub() as hub:
        model = hub.get(parse_spec(server.spec(), timeout_s=1.0, backoff_s=0.01,
                                   backoff_cap_s=0.05, max_retries=len(FAULT_KINDS)))
        completion = await model.chat("x", role="r")
    assert completion.attempts == len(FAULT_KINDS) + 1
    assert [r.fault for r in server.chat_requests()] == [*FAULT_KINDS, None]
    assert hub.meter.by_role()["r"].retries == len(FAULT_KINDS)


async def test_200_concurrent_requests_complete_under_30_percent_faults(serve: Serve) -> None:
    rates = dict.fromkeys(FAULT_KINDS, 0.3 / len(FAULT_KINDS))
    server = serve(faults=rates, seed=3, retry_after_s=0.1, latency_s=(0.0, 0.02))
    async with ModelHub() as hub:
        model = hub.get(parse_spec(server.spec(), timeout_s=1.5, backoff_s=0.02, backoff_cap_s=0.2,
                                   max_retries=12, max_concurrency=256))
        prompts = [f"question {i}" for i in range(200)]
        completions = await asyncio.gather(*(model.chat(p, route_key=str(i)) for i, p in enumerate(prompts)))
    assert [c.text for c in completions] == [expected_reply(p) for p in prompts]
    faults = server.fault_counts()
    assert set(faults) == set(FAULT_KINDS)  # every kind really happened
    retries = sum(c.attempts - 1 for c in completions)
    assert retries == sum(faults.values()) == hub.meter.total.retries
    assert len(server.chat_requests()) == 200 + retries
    assert 0.2 < sum(faults.values()) / len(server.chat_requests()) < 0.4


def test_backoff_has_full_jitter_a_cap_and_respects_retry_after() -> None:
    policy = RetryPolicy(base_s=1.0, cap_s=4.0, rng=random.Random(0))
    delays = [policy.delay(10, ServerError("x")) for _ in range(200)]
    assert max(delays) <= 4.0 and min(delays) < 0.5
    assert policy.delay(0, RateLimited("x", retry_after=7.0)) == 7.0
    assert policy.delay(0, RateLimited("x")) <= 1.0


@pytest.mark.parametrize("retries", [0, 3])
async def test_max_retries_bounds_the_requests(serve: Serve, retries: int) -> None:
    server = serve(status=503)
    async with ModelHub() as hub:
        with pytest.raises(Exception, match=f"gave up after {retries + 1} attempts"):
            await hub.get(parse_spec(server.spec(), max_retries=retries, backoff_s=0.0)).chat("x")
    assert len(server.chat_requests()) == retries + 1
