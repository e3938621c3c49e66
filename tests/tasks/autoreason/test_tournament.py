"""Tournament bookkeeping pinned with a scripted model through the real client path."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from hadron.llm.errors import LLMError, Rejected
from hadron.llm.types import ChatRequest
from hadron.tasks.autoreason.config import AutoReasonConfig
from hadron.tasks.autoreason.errors import EmptyDraft, EmptyPrompt
from hadron.tasks.autoreason.records import MethodColumns
from hadron.tasks.autoreason.tournament import refine

from .fakes import Fake, FakeSetup, rank, ranking_line


def prefer(*words: str) -> Callable[[dict[str, str], ChatRequest], str]:
    return lambda cands, request: ranking_line(rank(cands, words))


async def run(setup: FakeSetup, prompt: str = "Explain TCP slow start.", row_id: str = "row-1",
              **settings: object) -> MethodColumns:
    config = AutoReasonConfig(model=setup.spec, **settings)  # type: ignore[arg-type]
    async with setup.hub() as hub:
        return await refine(prompt, row_id, hub, config)


async def test_converges_after_two_incumbent_wins(fake_models: Callable[..., FakeSetup]) -> None:
    setup = fake_models(Fake(judge=prefer("alpha")))
    out = await run(setup)
    assert out.converged and out.passes == 2
    assert out.generation == "alpha"
    assert out.final_source.model_dump(by_alias=True) == {"candidate": "A", "pass": 0, "index": None}
    assert [p.winner for p in out.trace] == ["A", "A"]
    assert setup.fake.calls["judge"] == 6 and setup.fake.calls["teacher"] == 1


async def test_b_is_promoted_and_final_source_follows_the_text(fake_models: Callable[..., FakeSetup]) -> None:
    setup = fake_models(Fake(judge=prefer("beta-1", "alpha")))
    out = await run(setup)
    assert [p.winner for p in out.trace] == ["B", "A", "A"]
    assert out.converged and out.passes == 3
    assert out.generation == "beta-1"
    assert (out.final_source.candidate, out.final_source.pass_) == ("B", 1)
    assert out.trace[1].incumbent is not None
    assert out.trace[1].incumbent.source.candidate == "B"
    assert out.trace[0].borda == {"A": 6, "B": 9, "AB": 3}


async def test_ab_is_promoted(fake_models: Callable[..., FakeSetup]) -> None:
    setup = fake_models(Fake(judge=prefer("gamma-1", "alpha")))
    out = await run(setup)
    assert out.generation == "gamma-1"
    assert (out.final_source.candidate, out.final_source.pass_) == ("AB", 1)
    assert out.trace[0].ab is not None and out.trace[0].ab.mode == "merge"


def by_judge(*orders: tuple[str, ...]) -> Callable[[dict[str, str], ChatRequest], str]:
    """Judge i ranks kinds (alpha = A, beta = B, gamma = AB) as ``orders[i]``."""
    return lambda cands, request: ranking_line(rank(cands, orders[request.sample_index]))


async def test_a_three_way_tie_goes_to_the_incumbent(fake_models: Callable[..., FakeSetup]) -> None:
    judge = by_judge(("beta", "alpha", "gamma"), ("alpha", "gamma", "beta"), ("gamma", "beta", "alpha"))
    out = await run(fake_models(Fake(judge=judge)), max_passes=1)
    assert out.trace[0].borda == {"A": 6, "B": 6, "AB": 6}
    assert out.trace[0].winner == "A" and out.trace[0].margin == 0


async def test_margin_rule(fake_models: Callable[..., FakeSetup]) -> None:
    judge = by_judge(("beta", "alpha", "gamma"), ("beta", "alpha", "gamma"), ("gamma", "alpha", "beta"))
    loose = await run(fake_models(Fake(judge=judge)), max_passes=1)
    assert loose.trace[0].borda == {"A": 6, "B": 7, "AB": 5}
    assert loose.trace[0].winner == "B" and loose.generation == "beta-1"
    strict = await run(fake_models(Fake(judge=judge)), max_passes=1, margin=2)
    assert strict.trace[0].winner == "A" and strict.generation == "alpha"
    assert strict.settings["margin"] == 2


async def test_a_pass_with_half_or_fewer_valid_ballots_is_void(fake_models: Callable[..., FakeSetup]) -> None:
    def judge(cands: dict[str, str], request: ChatRequest) -> str:
        if request.sample_index == 0:
            return ranking_line(rank(cands, ["beta"]))
        return "They are all fine."

    setup = fake_models(Fake(judge=judge))
    out = await run(setup, max_passes=3)
    first = out.trace[0]
    assert first.void and first.winner == "A" and first.margin is None
    assert [b.valid for b in first.ballots] == [True, False, False]
    assert [b.asks for b in first.ballots] == [1, 3, 3]  # max_reasks = 2: the broken ones asked 3 times
    assert first.ballots[1].error == "no RANKING: line"
    assert out.generation == "alpha" and not out.converged and out.passes == 3  # void never converges
    assert out.usage["judge"].reasks == 3 * 2 * 2


async def test_an_unreadable_ballot_is_reasked_and_counted(fake_models: Callable[..., FakeSetup]) -> None:
    fake = Fake(judge=lambda cands, request: "I cannot decide.",
                reask=lambda cands, request: ranking_line(rank(cands, ["alpha"])))
    setup = fake_models(fake)
    out = await run(setup)
    ballots = out.trace[0].ballots
    assert all(b.valid and b.asks == 2 for b in ballots)
    assert ballots[0].raw.endswith(ballots[0].raw.splitlines()[-1])
    reask = fake.of("judge_reask")[0]
    assert reask.messages[-2] == {"role": "assistant", "content": "I cannot decide."}
    assert out.usage["judge"].reasks == 6 and out.usage["judge"].calls == 12


async def test_reask_count_is_configurable(fake_models: Callable[..., FakeSetup]) -> None:
    setup = fake_models(Fake(judge=lambda cands, request: "no idea"))
    config = {"judge": {"max_reasks": 0}, "max_passes": 1}
    out = await run(setup, **config)
    assert [b.asks for b in out.trace[0].ballots] == [1, 1, 1] and out.trace[0].void


async def test_short_circuit_on_a_whole_line_no_flaws(fake_models: Callable[..., FakeSetup]) -> None:
    setup = fake_models(Fake(critic=lambda n: "NO FLAWS"))
    out = await run(setup, critic_short_circuit=True)
    assert out.converged and out.passes == 2
    assert all(p.short_circuit and p.b is None and not p.ballots for p in out.trace)
    assert setup.fake.calls["judge"] == 0 and setup.fake.calls["author_b"] == 0
    critic_prompt = setup.fake.of("critic")[0].messages[-1]["content"]
    assert "NO FLAWS" in critic_prompt


async def test_short_circuit_off_judges_anyway(fake_models: Callable[..., FakeSetup]) -> None:
    setup = fake_models(Fake(critic=lambda n: "NO FLAWS"))
    out = await run(setup)
    assert not any(p.short_circuit for p in out.trace) and setup.fake.calls["judge"] == 6
    assert "NO FLAWS" not in setup.fake.of("critic")[0].messages[-1]["content"]


async def test_no_flaws_inside_a_sentence_does_not_short_circuit(
        fake_models: Callable[..., FakeSetup]) -> None:
    setup = fake_models(Fake(critic=lambda n: "I found no flaws in the logic, but \"alpha\" is vague."))
    out = await run(setup, critic_short_circuit=True)
    assert not any(p.short_circuit for p in out.trace) and setup.fake.calls["judge"] == 6
    setup = fake_models(Fake(critic=lambda n: "There are NO FLAWS here except the tone."))
    out = await run(setup, critic_short_circuit=True)
    assert not out.trace[0].short_circuit


async def test_merge_shows_a_and_b_unlabelled_after_b(fake_models: Callable[..., FakeSetup]) -> None:
    setup = fake_models()
    out = await run(setup, synthesis="merge")
    merge = setup.fake.of("merge")[0]
    content = merge.messages[-1]["content"]
    assert "alpha" in content and "beta-1" in content and "is vague" not in content
    order = setup.fake.requests.index(setup.fake.of("author_b")[0]) < setup.fake.requests.index(merge)
    assert order and out.settings["synthesis"] == "merge"


async def test_minimal_repair_sees_the_critique_not_b(fake_models: Callable[..., FakeSetup]) -> None:
    setup = fake_models(Fake(judge=prefer("gamma-1", "alpha")))
    out = await run(setup, synthesis="minimal_repair")
    repair = setup.fake.of("repair")[0].messages[-1]["content"]
    assert "alpha" in repair and "is vague" in repair and "beta" not in repair
    assert out.trace[0].ab is not None and out.trace[0].ab.mode == "minimal_repair"
    assert out.settings["synthesis"] == "minimal_repair" and out.generation == "gamma-1"


async def test_judges_see_their_own_reproducible_permutation(fake_models: Callable[..., FakeSetup]) -> None:
    first = await run(fake_models(), max_passes=3, k=5)
    second = await run(fake_models(), max_passes=3, k=5)
    perms = [[b.permutation for b in p.ballots] for p in first.trace]
    assert perms == [[b.permutation for b in p.ballots] for p in second.trace]
    assert len({tuple(p.values()) for ballots in perms for p in ballots}) > 1
    for p in first.trace:
        for ballot in p.ballots:
            assert ballot.ranking is not None and ballot.ranking[0] == "A"
            assert ballot.raw.startswith("These are my reasons.")
            assert ballot.reasoning == "These are my reasons."


async def test_structured_ballots_with_a_schema_backend(fake_models: Callable[..., FakeSetup]) -> None:
    setup = fake_models(Fake(judge=prefer("beta-1", "alpha")), schema=True)
    out = await run(setup)
    judge_requests = setup.fake.of("judge")
    assert all(r.response_format is not None for r in judge_requests)
    enum = judge_requests[0].response_format["json_schema"]["schema"]["properties"]["ranking"]["enum"]
    assert len(enum) == 6
    assert out.trace[0].winner == "B" and out.trace[0].ballots[0].reasoning == "short reason"


async def test_row_records_roles_usage_and_settings(fake_models: Callable[..., FakeSetup]) -> None:
    out = await run(fake_models(Fake(judge=prefer("beta-1", "alpha"))))
    row = out.to_columns()
    assert set(row) == {"method", "generation", "final_source", "converged", "passes", "settings", "trace",
                        "reasoning", "usage", "truncated"}
    assert row["truncated"] is False
    assert set(row["usage"]) == {"teacher", "critic", "author_b", "synthesizer", "judge"}
    assert row["usage"]["critic"]["calls"] == 3 and row["usage"]["judge"]["calls"] == 9
    assert {"judge"} == {r["role"] for r in row["reasoning"]}
    entry = row["trace"][0]
    assert set(entry) == {"pass", "incumbent", "critique", "b", "ab", "ballots", "borda", "winner", "margin",
                          "void", "short_circuit"}
    assert set(entry["ballots"][0]) == {"judge", "model", "permutation", "raw", "reasoning",
                                        "reasoning_truncated", "ranking", "valid", "finish_reason", "asks",
                                        "error", "design", "slot", "swap", "disagreed"}
    assert entry["ballots"][0]["design"] == "latin" and entry["ballots"][0]["swap"] is None
    assert entry["critique"]["finish_reason"] == "stop"
    assert row["settings"]["models"]["judges"] == [out.settings["models"]["teacher"]] * 3
    assert MethodColumns.model_validate(row) == out


async def test_mixed_judge_panel_cycles_models(fake_models: Callable[..., FakeSetup]) -> None:
    main, other = fake_models(), fake_models()
    config = AutoReasonConfig(model=main.spec, n_judges=3, max_passes=1,
                              judge={"models": [main.spec, other.spec]})  # type: ignore[arg-type]
    async with main.hub() as hub:
        out = await refine("Explain TCP.", "row-1", hub, config)
    assert [b.model for b in out.trace[0].ballots] == [main.spec, other.spec, main.spec]
    assert main.fake.calls["judge"] == 2 and other.fake.calls["judge"] == 1


async def test_seven_judges_is_one_setting(fake_models: Callable[..., FakeSetup]) -> None:
    setup = fake_models(Fake(judge=prefer("alpha", "beta")))
    out = await run(setup, n_judges=7)
    assert len(out.trace[0].ballots) == 7 and out.trace[0].borda == {"A": 21, "B": 14, "AB": 7}


async def test_bad_input_raises_row_errors(fake_models: Callable[..., FakeSetup]) -> None:
    with pytest.raises(EmptyPrompt):
        await run(fake_models(), prompt="   ")
    setup = fake_models(Fake(teacher=lambda prompt: "  "))
    with pytest.raises(EmptyDraft):
        await run(setup)
    assert setup.fake.calls["critic"] == 0

    def too_long(request: ChatRequest) -> str:
        raise Rejected("prompt exceeds the context window (9000 > 8192 tokens)", status=400)

    register = fake_models(Fake(teacher=too_long))  # type: ignore[arg-type]
    with pytest.raises(LLMError):
        await run(register, prompt="x " * 9000)


async def test_an_empty_challenger_never_wins(fake_models: Callable[..., FakeSetup]) -> None:
    setup = fake_models(Fake(author_b=lambda n: "", judge=prefer("beta", "alpha")))
    out = await run(setup, max_passes=1)
    assert out.trace[0].b is not None and out.trace[0].b.text == ""
    assert out.trace[0].winner != "B" and out.generation


async def test_a_second_run_replays_every_call_from_the_cache(fake_models: Callable[..., FakeSetup]) -> None:
    setup = fake_models(Fake(judge=prefer("beta-1", "alpha")))
    config = AutoReasonConfig(model=setup.spec)
    async with setup.hub(cache=True) as hub:
        first = await refine("Explain TCP.", "row-1", hub, config)
    calls = sum(setup.fake.calls.values())
    async with setup.hub(cache=True) as hub:
        second = await refine("Explain TCP.", "row-1", hub, config)
    assert sum(setup.fake.calls.values()) == calls  # zero new model calls
    assert second.generation == first.generation and second.trace == first.trace
    assert second.usage["judge"].cache_hits == second.usage["judge"].calls


async def test_each_role_can_use_its_own_model_or_pool(fake_models: Callable[..., FakeSetup]) -> None:
    main, critic, pooled = fake_models(), fake_models(Fake(critic=lambda n: "- from the critic model")), \
        fake_models()
    config = AutoReasonConfig.model_validate({
        "model": main.spec, "max_passes": 1,
        "critic": {"model": critic.spec, "temperature": 0.1, "system": "Be harsh."},
        "author_b": {"model": {"members": [pooled.spec], "name": "authors"}},
    })
    async with main.hub() as hub:
        out = await refine("Q?", "r1", hub, config)
    assert critic.fake.calls["critic"] == 1 and main.fake.calls["critic"] == 0
    assert pooled.fake.calls["author_b"] == 1 and main.fake.calls["author_b"] == 0
    request = critic.fake.of("critic")[0]
    assert request.temperature == 0.1 and request.messages[0] == {"role": "system", "content": "Be harsh."}
    assert out.trace[0].critique is not None and out.trace[0].critique.model == critic.spec
    assert out.settings["models"]["author_b"] == "authors"
    assert out.settings["temperatures"]["critic"] == 0.1
