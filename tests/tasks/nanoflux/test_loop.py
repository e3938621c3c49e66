"""Round bookkeeping with scripted models: role alternation, acceptance and every rejection reason."""

from __future__ import annotations

import asyncio
import json

import pytest

from hadron.llm.errors import Rejected
from hadron.llm.hub import ModelHub
from hadron.llm.types import ChatRequest
from hadron.tasks.nanoflux.config import NanoFluxConfig
from hadron.tasks.nanoflux.loop import NanoFlux
from hadron.tasks.nanoflux.records import REASONS

from .conftest import GOOD_VERDICT, SEEDS, Fake, FakeEmbedder, Round, question_text, role_of


def settings(a: str, b: str | None = None, **overrides: object) -> NanoFluxConfig:
    """One domain, one round in flight, judge without tools unless asked."""
    values: dict[str, object] = {
        "domains": ["math"], "per_domain": 5, "pool_factor": 1, "max_rounds": 6, "concurrency": 1,
        "attacker": {"model": a}, "defender": {"model": b or a}, "judge": {"model": a, "tools": []}}
    values.update(overrides)
    return NanoFluxConfig.model_validate(values)


async def run(config: NanoFluxConfig) -> tuple[NanoFlux, object]:
    async with ModelHub() as hub:
        engine = NanoFlux.from_hub(hub, config, embedder=FakeEmbedder())
        return engine, await engine.run()


async def test_models_swap_roles_every_round(scripted) -> None:
    fake = Fake()
    a, b = scripted(fake), scripted(fake)
    _, result = await run(settings(a, b, max_rounds=4, per_domain=4))
    model_a, model_b = a.split(":")[1], b.split(":")[1]
    assert fake.roles("attacker") == [(model_a, 0), (model_b, 1), (model_a, 2), (model_b, 3)]
    assert fake.roles("defender") == [(model_b, 0), (model_a, 1), (model_b, 2), (model_a, 3)]
    rows = result.rows
    assert [r["models"]["attacker"] for r in rows] == [a, b, a, b]
    assert [r["models"]["defender"] for r in rows] == [b, a, b, a]


async def test_without_alternation_the_roles_stay(scripted) -> None:
    fake = Fake()
    a, b = scripted(fake), scripted(fake)
    await run(settings(a, b, max_rounds=3, per_domain=3, alternate=False))
    model_a = a.split(":")[1]
    assert [m for m, _ in fake.roles("attacker")] == [model_a] * 3


async def test_a_kept_row_holds_the_question_verdicts_and_sft_messages(scripted) -> None:
    spec = scripted(Fake())
    _, result = await run(settings(spec, per_domain=1, max_rounds=1))
    [row] = result.rows
    assert row["id"] == "math/r00000"
    assert row["question"] == question_text(0)
    assert row["reference_answer"] == "42"
    assert row["explanation"] == "Step one. Step two. Step three."
    assert (row["domain"], row["round"]) == ("math", 0)
    assert row["skill"] == NanoFluxConfig().skills("math")[0]
    assert row["defender_answer"] == "41"
    assert (row["hops"], row["reasoning_level"]) == (3, 2)
    assert row["judge"]["valid"] is True and row["judge"]["defender_correct"] is False
    assert row["judge"]["asks"] == 1
    assert row["novelty"] == 1.0 and row["max_similarity"] == 0.0 and row["nearest"] is None
    answer = "Step one. Step two. Step three.\n\nAnswer: 42"
    assert row["messages"] == [{"role": "user", "content": question_text(0)},
                               {"role": "assistant", "content": answer}]
    assert row["usage"]["attacker"]["calls"] == 1 and row["usage"]["judge"]["calls"] == 1
    assert row["settings"]["require"] == "failed_or_struggled"
    json.dumps(row)  # a row is plain JSON


async def test_skills_cycle_by_round(scripted) -> None:
    spec = scripted(Fake())
    config = settings(spec, domains={"algebra-lite": ["x", "y"]}, per_domain=3, max_rounds=3)
    _, result = await run(config)
    assert [r["skill"] for r in result.rows] == ["x", "y", "x"]


async def test_every_rejection_reason_is_recorded(scripted) -> None:
    verdict = dict(GOOD_VERDICT)
    fake = Fake(rounds={
        0: Round(attack="not json at all", attack_reask="still not json"),
        1: Round(verdict="no verdict here", verdict_reask="nor here"),
        2: Round(verdict={**verdict, "valid": False, "notes": "two answers fit"}),
        3: Round(verdict={**verdict, "defender_correct": True}),
        4: Round(verdict={**verdict, "hops": 12}),
        5: Round(verdict={**verdict, "reasoning_quality": 1}),
        6: Round(),  # kept
        7: Round(attack=json.dumps({"question": question_text(6), "explanation": "e", "answer": "1"})),
        8: Round(),  # kept; fills the budget of 2
    })
    spec = scripted(fake)
    engine, result = await run(settings(spec, per_domain=2, max_rounds=20,
                                        attacker={"model": spec, "max_reasks": 1},
                                        judge={"model": spec, "tools": [], "max_reasks": 1}))
    got = [(r.id, r.reason) for r in result.rejects]
    assert got == [("math/r00000", "attack_unparseable"), ("math/r00001", "judge_unparseable"),
                   ("math/r00002", "invalid_question"), ("math/r00003", "defender_succeeded"),
                   ("math/r00004", "hops_out_of_band"), ("math/r00005", "level_out_of_band"),
                   ("math/r00007", "too_similar")]
    assert [r["id"] for r in result.rows] == ["math/r00006", "math/r00008"]
    assert fake.attacks == 9  # the budget stopped the domain: no round 9
    details = {r.reason: r.detail for r in result.rejects}
    assert "still not json" not in json.dumps(details)  # the error, not the raw attack, is kept
    assert details["attack_unparseable"]["error"]
    assert details["judge_unparseable"]["asks"] == 2 and details["judge_unparseable"]["raw"] == "nor here"
    assert details["invalid_question"]["notes"] == "two answers fit"
    assert details["hops_out_of_band"] == {**details["hops_out_of_band"], "hops": 12, "band": [2, 8]}
    assert details["level_out_of_band"]["reasoning_level"] == 1
    assert details["too_similar"]["nearest"] == "math/r00006"
    assert details["too_similar"]["similarity"] > 0.9
    assert {r.step for r in result.rejects} == {"nanoflux"}
    assert set(result.reasons()) <= set(REASONS)
    assert engine.curator.kept["math"] == 2


async def test_unparseable_verdict_is_reasked_then_recorded(scripted) -> None:
    fake = Fake(rounds={0: Round(verdict="I think it is fine.", verdict_reask="Still fine, really.")})
    spec = scripted(fake)
    _, result = await run(settings(spec, per_domain=1, max_rounds=1))
    [reject] = result.rejects
    assert reject.reason == "judge_unparseable"
    assert reject.detail["asks"] == 3  # the first ask and max_reasks=2 re-asks
    assert [role for role, _, _ in fake.log].count("verdict_reask") == 2


async def test_a_verdict_fixed_on_reask_is_used(scripted) -> None:
    fake = Fake(rounds={0: Round(verdict="oops", verdict_reask=GOOD_VERDICT)})
    spec = scripted(fake)
    _, result = await run(settings(spec, per_domain=1, max_rounds=1))
    [row] = result.rows
    assert row["judge"]["asks"] == 2
    assert row["usage"]["judge"]["reasks"] == 1


@pytest.mark.parametrize(("require", "correct", "struggled", "kept"), [
    ("failed", False, False, True), ("failed", True, True, False),
    ("failed_or_struggled", True, True, True), ("failed_or_struggled", True, False, False),
    ("any", True, False, True)])
async def test_failure_requirement(scripted, require: str, correct: bool, struggled: bool,
                                   kept: bool) -> None:
    verdict = {**GOOD_VERDICT, "defender_correct": correct, "defender_struggled": struggled}
    spec = scripted(Fake(rounds={0: Round(verdict=verdict)}))
    _, result = await run(settings(spec, per_domain=1, max_rounds=1, require=require))
    assert bool(result.rows) is kept


async def test_a_failed_call_is_an_error_record_and_the_run_goes_on(scripted) -> None:
    fake = Fake()

    def flaky(request: ChatRequest) -> object:
        if "Answer the question below" in str(request.messages[-1]["content"]) and fake.attacks == 1:
            raise Rejected("the defender refused")
        return fake(request)

    spec = scripted(flaky)
    _, result = await run(settings(spec, per_domain=2, max_rounds=3))
    assert [e.id for e in result.errors] == ["math/r00000"]
    assert result.errors[0].error_type == "Rejected"
    assert [r["id"] for r in result.rows] == ["math/r00001", "math/r00002"]


async def test_domains_run_side_by_side_with_their_own_budget(scripted) -> None:
    spec = scripted(Fake())
    config = settings(spec, domains=["math", "science"], per_domain=2, max_rounds=5)
    engine, result = await run(config)
    assert sorted(r["id"] for r in result.rows) == ["math/r00000", "math/r00001", "science/r00000",
                                                    "science/r00001"]
    assert engine.curator.kept == {"math": 2, "science": 2}


async def test_concurrent_rounds_are_curated_in_round_order(scripted) -> None:
    """Rounds in flight together finish in any order; the kept set is still the first that qualify."""
    fake = Fake(rounds={1: Round(verdict={**GOOD_VERDICT, "defender_correct": True}),
                        3: Round(verdict={**GOOD_VERDICT, "defender_correct": True})})
    finished: list[int] = []

    async def slow_early_rounds(request: ChatRequest) -> object:
        if role_of(request) == "attacker":
            n = SEEDS[request.seed or 0]
            await asyncio.sleep(0.02 * (6 - n % 6))  # later rounds answer first
            finished.append(n)
            return json.dumps({"question": question_text(n), "explanation": "e", "answer": "1"})
        return fake(request)

    spec = scripted(slow_early_rounds)
    _, result = await run(settings(spec, per_domain=3, max_rounds=12, concurrency=4))
    assert finished[:4] != sorted(finished[:4])  # they really did finish out of order
    assert [r["id"] for r in result.rows] == ["math/r00000", "math/r00002", "math/r00004"]
    assert [(r.id, r.reason) for r in result.rejects] == [("math/r00001", "defender_succeeded"),
                                                          ("math/r00003", "defender_succeeded")]
