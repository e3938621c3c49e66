from __future__ import annotations

from collections.abc import Callable

import pytest

from hadron.llm.types import ChatRequest
from hadron.tasks.autoreason.errors import EmptyDraft
from hadron.tasks.autoreason.records import MethodColumns
from hadron.tasks.baselines import (
    BestOfN,
    BestOfNConfig,
    SingleShot,
    SingleShotConfig,
    best_of_n,
    single_shot,
)

from .autoreason.fakes import Ctx, Fake, FakeSetup, rank, ranking_line


def sample_text(request: ChatRequest) -> str:
    return f"sample-{request.sample_index}"


async def test_single_shot_has_the_row_shape(fake_models: Callable[..., FakeSetup]) -> None:
    setup = fake_models()
    async with setup.hub() as hub:
        out = await single_shot("Explain TCP.", "r1", hub, SingleShotConfig(model=setup.spec))
    row = out.to_columns()
    assert row["method"] == "single_shot" and row["generation"] == "alpha" and row["trace"] == []
    assert row["final_source"] == {"candidate": "A", "pass": 0, "index": None} and row["passes"] == 0
    assert set(row["usage"]) == {"teacher"}


class Sampler(Fake):
    def __call__(self, request: ChatRequest) -> str:
        if "BEGIN X1" not in str(request.messages):
            self.calls["teacher"] += 1
            self.requests.append(request)
            return sample_text(request)
        return super().__call__(request)


async def test_best_of_n_panel_picks_a_sample(fake_models: Callable[..., FakeSetup]) -> None:
    fake = Sampler(judge=lambda cands, request: ranking_line(rank(cands, ["sample-2", "sample-0"])))
    setup = fake_models(fake)
    async with setup.hub() as hub:
        out = await best_of_n("Explain TCP.", "r1", hub, BestOfNConfig(model=setup.spec, n=4))
    assert out.generation == "sample-2" and out.converged and out.passes == 1
    assert out.final_source.model_dump(by_alias=True) == {"candidate": "sample", "pass": 0, "index": 2}
    entry = out.trace[0].model_dump(by_alias=True)
    assert entry["samples"] == ["sample-0", "sample-1", "sample-2", "sample-3"]
    assert entry["winner"] == "2" and entry["borda"]["2"] == 12 and entry["incumbent"] is None
    assert all(sorted(b["permutation"].values()) == ["0", "1", "2", "3"] for b in entry["ballots"])
    assert fake.calls["teacher"] == 4 and out.settings["n"] == 4
    assert MethodColumns.model_validate(out.to_columns()) == out


async def test_best_of_n_ties_go_to_the_lower_sample_and_void_keeps_sample_0(
        fake_models: Callable[..., FakeSetup]) -> None:
    def judge(cands: dict[str, str], request: ChatRequest) -> str:
        orders = [["sample-1", "sample-0"], ["sample-0", "sample-1"]]
        return ranking_line(rank(cands, orders[request.sample_index % 2]))

    setup = fake_models(Sampler(judge=judge))
    async with setup.hub() as hub:
        tied = await best_of_n("Q?", "r1", hub, BestOfNConfig(model=setup.spec, n=2, n_judges=2))
    assert tied.trace[0].borda == {"0": 3, "1": 3} and tied.generation == "sample-0"

    setup = fake_models(Sampler(judge=lambda cands, request: "no idea"))
    async with setup.hub() as hub:
        void = await best_of_n("Q?", "r1", hub, BestOfNConfig(model=setup.spec, n=3))
    assert void.trace[0].void and not void.converged and void.generation == "sample-0"


async def test_best_of_n_with_many_samples_uses_text_ballots(fake_models: Callable[..., FakeSetup]) -> None:
    setup = fake_models(Sampler(judge=lambda cands, request: ranking_line(rank(cands, ["sample-5"]))),
                     schema=True)
    async with setup.hub() as hub:
        out = await best_of_n("Q?", "r1", hub, BestOfNConfig(model=setup.spec, n=6))
    assert out.generation == "sample-5"
    assert all(r.response_format is None for r in setup.fake.of("judge"))


async def test_steps_and_empty_teacher(fake_models: Callable[..., FakeSetup]) -> None:
    setup = fake_models(Fake(teacher=lambda prompt: ""))
    async with setup.hub() as hub:
        with pytest.raises(EmptyDraft):
            await SingleShot(model=setup.spec).process({"id": "r", "prompt": "Q?"}, Ctx("r", hub))
        with pytest.raises(EmptyDraft):
            await BestOfN(model=setup.spec, n=2).process({"id": "r", "prompt": "Q?"}, Ctx("r", hub))
    setup = fake_models()
    async with setup.hub() as hub:
        row = await SingleShot(model=setup.spec).process({"id": "r", "prompt": "Q?"}, Ctx("r", hub))
    assert isinstance(row, dict) and row["method"] == "single_shot" and row["prompt"] == "Q?"
