"""Reasoning traces are kept per role, with the role (and sample or judge index) recorded."""

from __future__ import annotations

from collections.abc import Callable

from hadron.tasks.autoreason.config import AutoReasonConfig
from hadron.tasks.autoreason.tournament import refine
from hadron.tasks.baselines import BestOfNConfig, best_of_n

from .fakes import Fake, FakeSetup, rank, ranking_line


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
