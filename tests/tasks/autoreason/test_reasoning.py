"""Reasoning traces are kept per role, with the role (and sample or judge index) recorded."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator

import pytest

from hadron.llm import ModelHub
from hadron.llm.types import ChatRequest
from hadron.tasks.autoreason.config import AutoReasonConfig
from hadron.tasks.autoreason.tournament import refine
from hadron.tasks.baselines import BestOfNConfig, best_of_n
from hadron.testing import register_scripted, unregister_scripted

from .fakes import Fake, FakeSetup, rank, ranking_line, role_of


async def test_each_role_reasoning_is_recorded_with_its_role(fake_models: Callable[..., FakeSetup]) -> None:
    fake = Fake(teacher=lambda prompt: "<think>plan the answer</think>alpha",
                critic=lambda n: "<think>look for errors</think>- vague",
                author_b=lambda n: f"<think>fix it {n}</think>beta-{n}",
                judge=lambda cands, request: ranking_line(rank(cands, ["beta-1", "alpha"])))
    setup = fake_models(fake)
    async with setup.hub() as hub:
        out = await refine("Q?", "r1", hub, AutoReasonConfig(model=setup.spec, max_passes=1))
    entries = [(e.role, e.pass_, e.text) for e in out.reasoning]
    assert ("teacher", 0, "plan the answer") in entries
    assert ("critic", 1, "look for errors") in entries and ("author_b", 1, "fix it 1") in entries
    assert out.trace[0].b is not None and out.trace[0].b.reasoning == "fix it 1"
    assert out.trace[0].b.text == "beta-1" and out.generation == "beta-1"
    judges = [e for e in out.reasoning if e.role == "judge"]
    assert sorted(e.index for e in judges) == [0, 1, 2]


async def test_best_of_n_reasoning_names_the_sample(fake_models: Callable[..., FakeSetup]) -> None:
    counter = iter(range(100))
    fake = Fake(teacher=lambda prompt: f"<think>idea {next(counter)}</think>answer")
    setup = fake_models(fake)
    async with setup.hub() as hub:
        out = await best_of_n("Q?", "r1", hub, BestOfNConfig(model=setup.spec, n=3))
    teacher = [e for e in out.reasoning if e.role == "teacher"]
    assert sorted(e.index for e in teacher) == [0, 1, 2] and all(e.pass_ == 0 for e in teacher)
    row = out.to_columns()
    assert {"role", "pass", "text", "index"} == set(row["reasoning"][0])


def finishing_backwards(fake: Fake) -> Callable[[ChatRequest], Awaitable[str]]:
    """The fake, but parallel calls finish in reverse: judge/sample 0 last, author B after the repair."""
    async def reply(request: ChatRequest) -> str:
        role = role_of(request)
        delay = {"judge": 0.02 * (3 - request.sample_index), "author_b": 0.05,
                 "teacher": 0.02 * (3 - request.sample_index)}.get(role, 0.0)
        await asyncio.sleep(delay)
        return fake(request)
    return reply


@pytest.fixture
def backwards() -> Iterator[Callable[[Fake], str]]:
    names: list[str] = []

    def make(fake: Fake) -> str:
        names.append(f"backwards-{len(names)}")
        register_scripted(names[-1], finishing_backwards(fake))
        return f"scripted:{names[-1]}"

    yield make
    for name in names:
        unregister_scripted(name)


async def test_reasoning_order_does_not_follow_which_call_finished_first(
        backwards: Callable[[Fake], str]) -> None:
    fake = Fake(author_b=lambda n: f"<think>fix it {n}</think>beta-{n}",
                synth=lambda n: f"<think>repair it {n}</think>gamma-{n}",
                judge=lambda cands, request: f"judge {request.sample_index} thinks.\n"
                                             + ranking_line(rank(cands, ["alpha"])).splitlines()[-1])
    async with ModelHub() as hub:
        out = await refine("Q?", "r1", hub, AutoReasonConfig(model=backwards(fake), max_passes=1,
                                                             synthesis="minimal_repair"))
    assert [(e.role, e.index, e.text) for e in out.reasoning] == [
        ("author_b", None, "fix it 1"), ("synthesizer", None, "repair it 1"),
        ("judge", 0, "judge 0 thinks."), ("judge", 1, "judge 1 thinks."), ("judge", 2, "judge 2 thinks.")]
    assert list(out.usage) == ["teacher", "critic", "author_b", "synthesizer", "judge"]


async def test_best_of_n_reasoning_is_in_sample_order(backwards: Callable[[Fake], str]) -> None:
    fake = Fake(teacher=lambda prompt: "<think>an idea</think>answer")
    async with ModelHub() as hub:
        out = await best_of_n("Q?", "r1", hub, BestOfNConfig(model=backwards(fake), n=3, n_judges=1))
    assert [e.index for e in out.reasoning if e.role == "teacher"] == [0, 1, 2]
