"""Pools: deterministic weighted routing, failover that still completes the row."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from hadron.llm import ModelHub, PoolConfig, PoolMember, Rejected, parse_spec
from hadron.testing import FaultServer, expected_reply

Serve = Callable[..., FaultServer]


def member(spec: str, weight: float = 1.0, **options: object) -> PoolMember:
    return PoolMember(model=parse_spec(spec, backoff_s=0.0, max_retries=1, **options), weight=weight)


async def test_failover_when_the_preferred_member_keeps_failing(serve: Serve) -> None:
    broken, healthy = serve(status=503), serve()
    pool = PoolConfig(members=[member(broken.spec(), 1e6), member(healthy.spec())],
                      preferred=[broken.spec()])
    async with ModelHub() as hub:
        model = hub.get(pool)
        for i in range(5):  # one after another: the broken member is skipped once it failed
            completion = await model.chat(f"q{i}", route_key=f"row-{i}", role="r")
            assert completion.text == expected_reply(f"q{i}")
            assert completion.served_by == healthy.spec()
    assert len(broken.chat_requests()) == 2  # max_retries=1: two attempts, then cooldown
    assert hub.meter.total.retries == 2  # the failed member's attempts are counted too
    assert hub.meter.by_model()[healthy.spec()].calls == 5


async def test_failover_from_an_unreachable_port(serve: Serve, free_port: int) -> None:
    healthy = serve()
    dead = f"http://127.0.0.1:{free_port}/v1#m"
    pool = PoolConfig(members=[member(dead, 1e6), member(healthy.spec())], preferred=[dead])
    async with ModelHub() as hub:
        model = hub.get(pool)
        completions = await asyncio.gather(*(model.chat(f"q{i}", route_key=str(i)) for i in range(10)))
    assert {c.served_by for c in completions} == {healthy.spec()}


async def test_routing_is_weighted_and_stable(serve: Serve) -> None:
    a, b = serve(model="a"), serve(model="b")
    pool = PoolConfig(members=[member(a.spec(), 3.0), member(b.spec(), 1.0)], name="p")
    async with ModelHub() as hub:
        model = hub.get(pool)
        first = await asyncio.gather(*(model.chat("same", route_key=f"row-{i}") for i in range(400)))
        again = await asyncio.gather(*(model.chat("same", route_key=f"row-{i}") for i in range(40)))
    counts = Counter(c.served_by for c in first)
    assert 0.65 < counts[a.spec()] / 400 < 0.85
    assert [c.served_by for c in again] == [c.served_by for c in first[:40]]


async def test_rejections_do_not_fail_over(serve: Serve) -> None:
    bad, healthy = serve(status=400), serve()
    pool = PoolConfig(members=[member(bad.spec(), 1e6), member(healthy.spec())])
    async with ModelHub() as hub:
        with pytest.raises(Rejected):
            await hub.get(pool).chat("x", route_key="r")
    assert not healthy.chat_requests()


async def test_a_rerun_finds_the_answer_of_the_member_that_served(serve: Serve, tmp_path: Path) -> None:
    flaky, healthy = serve(sequence=["unavailable"] * 2), serve()
    pool = PoolConfig(members=[member(flaky.spec(), 1e6), member(healthy.spec())])
    for _ in range(2):
        async with ModelHub(cache_path=tmp_path / "c.sqlite") as hub:
            completion = await hub.get(pool).chat("x", route_key="r")
    assert completion.cached and completion.served_by == healthy.spec()
    assert len(flaky.chat_requests()) == 2 and len(healthy.chat_requests()) == 1


def test_pool_config_checks_names() -> None:
    with pytest.raises(ValueError, match="not pool members"):
        PoolConfig.model_validate({"members": ["scripted:a"], "preferred": ["scripted:b"]})
    with pytest.raises(ValueError, match="distinct"):
        PoolConfig.model_validate({"members": ["scripted:a", "scripted:a"]})
    members = ["scripted:a", {"model": "scripted:b", "weight": 2}, "scripted:c"]
    pool = PoolConfig.model_validate({"members": members, "preferred": ["scripted:c"]})
    assert [m.weight for m in pool.members] == [1.0, 2.0, 1.0]
    assert [m.name for m in pool.failover_order()] == ["scripted:c", "scripted:a", "scripted:b"]


@pytest.mark.parametrize("status", [401, 403, 404])
async def test_a_member_fatal_rejection_disables_the_member_for_the_run(
        serve: Serve, status: int, caplog: pytest.LogCaptureFixture) -> None:
    import logging

    fatal, healthy = serve(status=status), serve()
    pool = PoolConfig(members=[member(fatal.spec(), 1e6), member(healthy.spec())], name="p")
    async with ModelHub() as hub:
        model = hub.get(pool)
        with caplog.at_level(logging.WARNING, logger="hadron.llm"):
            completions = [await model.chat(f"q{i}", route_key=f"row-{i}") for i in range(5)]
    assert {c.served_by for c in completions} == {healthy.spec()}
    assert len(fatal.chat_requests()) == 1  # asked once, then disabled
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 1 and fatal.spec() in lines[0] and "disabled" in lines[0]


async def test_every_member_fatal_stops_with_one_error(serve: Serve) -> None:
    from hadron.errors import FatalError
    from hadron.llm.errors import PoolExhausted

    a, b = serve(status=401), serve(status=404)
    pool = PoolConfig(members=[member(a.spec()), member(b.spec())], name="p")
    async with ModelHub() as hub:
        model = hub.get(pool)
        with pytest.raises(PoolExhausted, match="every member is unusable") as caught:
            await model.chat("x", route_key="r1")
        with pytest.raises(PoolExhausted):
            await model.chat("y", route_key="r2")  # no request sent: both are disabled
    assert isinstance(caught.value, FatalError)
    assert len(a.chat_requests()) == len(b.chat_requests()) == 1
