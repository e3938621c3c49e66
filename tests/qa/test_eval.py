"""Blind pairwise evaluation through the real model layer, with scripted judges of known preferences."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hadron.errors import ConfigError
from hadron.llm.errors import Rejected
from hadron.llm.types import ChatRequest
from hadron.qa import eval_stats as es
from hadron.qa.eval import EvalOptions, run_eval, write_eval
from hadron.qa.pairs import Joined, join_sides
from hadron.testing import register_scripted, unregister_scripted

RESPONSES = re.compile(r"## Response 1\n(.*)\n\n## Response 2\n(.*)\n\nWhich response is better\?", re.DOTALL)


def responses(request: ChatRequest) -> tuple[str, str]:
    match = RESPONSES.search(request.messages[-1]["content"])
    assert match, "judge prompt layout changed"
    return match.group(1), match.group(2)


def verdict(winner: str) -> str:
    return json.dumps({"reasoning": "compared both", "winner": winner})


def prefers_marker(request: ChatRequest) -> str:
    """Picks the response containing GOOD; tie when both or neither do."""
    first, second = responses(request)
    good1, good2 = "GOOD" in first, "GOOD" in second
    return verdict("1" if good1 and not good2 else "2" if good2 and not good1 else "tie")


@pytest.fixture
def judges() -> Iterator[Callable[..., str]]:
    names: list[str] = []

    def register(name: str, fn: Callable[[ChatRequest], str]) -> str:
        register_scripted(name, fn)
        names.append(name)
        return f"scripted:{name}"

    yield register  # type: ignore[misc]
    for name in names:
        unregister_scripted(name)


def make_joined(plan: list[tuple[str, bool, bool]]) -> Joined:
    """``(category, a_good, b_good)`` per prompt."""
    a = [{"id": f"r{i}", "prompt": f"prompt {i}", "category": c,
          "generation": f"A{i} {'GOOD' if ga else 'meh'}"} for i, (c, ga, _) in enumerate(plan)]
    b = [{"id": f"r{i}", "prompt": f"prompt {i}", "category": c,
          "generation": f"B{i} {'GOOD' if gb else 'so-so'}!"} for i, (c, _, gb) in enumerate(plan)]
    return join_sides(a, b)


PLAN = ([("math", True, False)] * 4 + [("prose", True, False)] * 2 + [("prose", False, True)] * 2
        + [("math", True, True), ("prose", False, False)])


async def test_known_preferences_give_exact_counts_and_ci(judges: Callable[..., str]) -> None:
    spec = judges("marker", prefers_marker)
    joined = make_joined(PLAN)
    result, records = await run_eval(joined, EvalOptions(judges=[spec], resamples=1000, seed=3))
    overall = result["overall"]
    assert (overall["n"], overall["wins"], overall["ties"], overall["losses"]) == (10, 6, 2, 2)
    expected: list[es.Side] = ["A"] * 6 + ["B"] * 2 + ["tie"] * 2
    assert overall == es.outcome_summary(expected, resamples=1000, seed=3)
    assert result["by_category"]["math"]["wins"] == 4 and result["by_category"]["math"]["ties"] == 1
    assert result["by_category"]["prose"] == es.outcome_summary(["A", "A", "B", "B", "tie"], resamples=1000,
                                                                seed=3)
    assert result["no_verdict"] == 0
    assert [r["outcome"] for r in records] == expected
    judge = result["judges"][0]
    assert judge["votes"] == {"A": 6, "B": 2, "tie": 2, "abstain": 0}
    assert judge["order_consistency"] == 1.0


async def test_position_bias_becomes_ties(judges: Callable[..., str]) -> None:
    spec = judges("first", lambda request: verdict("1"))
    result, _ = await run_eval(make_joined(PLAN), EvalOptions(judges=[spec]))
    assert (result["overall"]["wins"], result["overall"]["ties"], result["overall"]["losses"]) == (0, 10, 0)
    judge = result["judges"][0]
    assert judge["first_slot_rate"] == 1.0 and judge["order_consistency"] == 0.0
    bias = judge["position_bias"]
    assert (bias["ballots"], bias["first_shown"], bias["chance"]) == (20, 20, 0.5) and bias["follows_order"]
    assert bias["ci95"][0] > 0.8


async def test_presentation_orders_are_balanced_per_judge(judges: Callable[..., str]) -> None:
    shown_first: list[tuple[str, int]] = []

    def record(request: ChatRequest) -> str:
        first, _ = responses(request)
        shown_first.append((first[0], request.sample_index))  # "A" or "B" starts each fixture text
        return prefers_marker(request)

    spec = judges("recorder", record)
    result, _ = await run_eval(make_joined(PLAN), EvalOptions(judges=[spec], n_judges=3))
    assert len(shown_first) == len(PLAN) * 3 * 2
    for judge in range(3):
        firsts = [side for side, index in shown_first if index == judge]
        assert firsts.count("A") == firsts.count("B") == len(PLAN)
    assert [j["shown_first"] for j in result["judges"]] == [{"A_first": 10, "B_first": 10}] * 3


async def test_unusable_verdicts_abstain(judges: Callable[..., str]) -> None:
    good = judges("good", prefers_marker)
    babble = judges("babble", lambda request: "They are both lovely.")
    options = EvalOptions(judges=[good, babble], max_reasks=1)
    result, records = await run_eval(make_joined(PLAN), options)
    assert result["overall"]["wins"] == 6  # decided by the one judge that answered
    assert result["judges"][1]["votes"]["abstain"] == 10
    assert result["judges"][1]["invalid_verdicts"] == 20 and result["judges"][1]["reasks"] == 20
    assert records[0]["verdicts"][1][0]["error"]


async def test_failed_calls_are_recorded_not_raised(judges: Callable[..., str]) -> None:
    def refuse(request: ChatRequest) -> str:
        raise Rejected("content policy", status=400)

    spec = judges("refuser", refuse)
    result, records = await run_eval(make_joined(PLAN[:3]), EvalOptions(judges=[spec]))
    assert result["no_verdict"] == 3 and result["overall"]["n"] == 0
    assert records[0]["outcome"] is None
    assert "Rejected" in records[0]["verdicts"][0][0]["error"]


async def test_verifiable_mode_without_judges() -> None:
    a = [{"id": "1", "prompt": "2+2?", "generation": "It is 4.", "reference": "4"},
         {"id": "2", "prompt": "3*3?", "generation": "Answer: 9", "reference": "9"},
         {"id": "3", "prompt": "Capital of France?", "generation": "Paris", "reference": "Paris"},
         {"id": "4", "prompt": "no ref", "generation": "x"}]
    b = [{"id": "1", "generation": "5"}, {"id": "2", "generation": "9"}, {"id": "3", "generation": "Lyon"},
         {"id": "4", "generation": "y"}]
    result, records = await run_eval(join_sides(a, b), EvalOptions())
    v = result["verifiable"]
    assert v["n"] == 3
    assert v["a_accuracy"]["point"] == pytest.approx(1.0)
    assert v["b_accuracy"]["point"] == pytest.approx(1 / 3)
    assert v["modes"] == {"numeric": 2, "exact": 1}
    assert "overall" not in result
    assert [r.get("correct_b") for r in records] == [False, True, False, None]


async def test_nothing_to_evaluate() -> None:
    joined = join_sides([{"id": "1", "generation": "x"}], [{"id": "1", "generation": "y"}])
    with pytest.raises(ConfigError, match="nothing to evaluate"):
        await run_eval(joined, EvalOptions())
    with pytest.raises(ConfigError, match="share no prompts"):
        await run_eval(join_sides([{"id": "1"}], [{"id": "2"}]), EvalOptions(judges=["scripted:x"]))


async def test_write_eval(tmp_path: Path, judges: Callable[..., str]) -> None:
    spec = judges("marker2", prefers_marker)
    result, records = await run_eval(make_joined(PLAN[:2]), EvalOptions(judges=[spec]))
    path = write_eval(result, records, tmp_path)
    assert path == tmp_path / "eval.json"
    assert json.loads(path.read_text())["overall"]["wins"] == 2
    assert len((tmp_path / "eval_pairs.jsonl").read_text().splitlines()) == 2
    assert result["usage"]["calls"] == 4
