from __future__ import annotations

import json
from pathlib import Path

import pytest

from hadron.distill import DistillConfig, distill
from hadron.distill.gold import GoldRecord
from hadron.errors import ConfigError
from hadron.llm import LLMError, Rejected
from hadron.llm.types import ChatRequest
from hadron.testing import ScriptedBackend, register_scripted, unregister_scripted

from .conftest import EXAMPLE_GOLD, MAGIC

SEED_PROMPT = "Label the support ticket."


def config(**overrides: object) -> DistillConfig:
    base: dict[str, object] = dict(student="scripted:dstudent", reflection="scripted:dreflect",
                                   categorical="category,urgent", array="tags", max_metric_calls=30,
                                   max_seconds=60, min_delta=0.05, bootstrap=200, seed=7)
    return DistillConfig.model_validate({**base, **overrides})


async def test_end_to_end_with_scripted_student_and_reflector(
        tmp_path: Path, gold: list[GoldRecord], scripted: dict[str, ScriptedBackend]) -> None:
    seen_progress: list[tuple[int, float]] = []
    report = await distill(EXAMPLE_GOLD, SEED_PROMPT, config(), tmp_path / "out",
                           progress=lambda calls, budget, best: seen_progress.append((calls, best)))

    holdout = ["ticket:004", "ticket:008", "ticket:012"]
    assert [r.id for r in report.split.holdout] == holdout
    assert report.optimizer.seen_ids.isdisjoint(holdout)
    assert report.optimizer.seen_ids <= {r.id for r in gold} - set(holdout)
    assert {r.id for r in report.split.valset} <= report.optimizer.seen_ids
    assert MAGIC in report.winner_prompt and report.student_prompt == report.winner_prompt
    d = report.decision
    # baseline answers billing/false/[] -> only ticket:008's category is right: 1/3 on one of three
    assert d.baseline_mean == pytest.approx(1 / 9) and d.winner_mean == 1.0 and d.promoted
    assert d.fields == {"category": pytest.approx((1 / 3, 1.0)), "urgent": (0.0, 1.0), "tags": (0.0, 1.0)}
    assert 0 < report.optimizer.metric_calls <= 30
    assert report.optimizer.stopped_by == "perfect"
    assert seen_progress and seen_progress[-1][1] == 1.0

    out = tmp_path / "out"
    assert (out / "student_prompt.txt").read_text().strip() == report.winner_prompt
    result = json.loads((out / "result.json").read_text())
    assert result["promoted"] is True and result["split"]["holdout_ids"] == holdout
    assert result["budget"]["metric_calls"] == report.optimizer.metric_calls
    assert result["usage"]["student"]["calls"] > 0 and result["usage"]["reflection"]["calls"] >= 1
    rows = [json.loads(line) for line in (out / "holdout_scores.jsonl").read_text().splitlines()]
    assert [row["id"] for row in rows] == holdout
    assert rows[0]["winner"]["score"] == 1.0 and rows[0]["baseline"]["score"] == 0.0
    candidates = [json.loads(line) for line in (out / "candidates.jsonl").read_text().splitlines()]
    assert candidates[0]["prompt"] == SEED_PROMPT and any(c["best"] for c in candidates)
    assert "PROMOTED" in (out / "report.md").read_text()
    assert list((out / "gepa").iterdir()) == [report.optimizer.run_dir]


async def test_rerun_is_reproducible_and_uses_a_fresh_gepa_dir(
        tmp_path: Path, scripted: dict[str, ScriptedBackend]) -> None:
    first = await distill(EXAMPLE_GOLD, SEED_PROMPT, config(), tmp_path)
    calls_after_first = len(scripted["dstudent"].calls)
    second = await distill(EXAMPLE_GOLD, SEED_PROMPT, config(), tmp_path)
    assert second.optimizer.run_dir != first.optimizer.run_dir
    assert [c.prompt for c in second.optimizer.candidates] == [c.prompt for c in first.optimizer.candidates]
    assert second.decision == first.decision
    assert len(scripted["dstudent"].calls) == calls_after_first  # every call replayed from the cache


async def test_no_improvement_keeps_the_baseline(tmp_path: Path,
                                                 scripted: dict[str, ScriptedBackend]) -> None:
    register_scripted("dreflect-noop", lambda request: f"```\n{SEED_PROMPT} Be careful.\n```")
    try:
        report = await distill(EXAMPLE_GOLD, SEED_PROMPT, config(reflection="scripted:dreflect-noop"),
                               tmp_path)
    finally:
        unregister_scripted("dreflect-noop")
    assert not report.decision.promoted
    assert report.student_prompt == SEED_PROMPT
    assert (tmp_path / "student_prompt.txt").read_text().strip() == SEED_PROMPT


async def test_reflection_failure_stops_the_run(tmp_path: Path, scripted: dict[str, ScriptedBackend]) -> None:
    def down(request: ChatRequest) -> str:
        raise Rejected("model not found", status=404)

    register_scripted("dreflect-down", down)
    try:
        with pytest.raises(LLMError, match="model not found"):
            await distill(EXAMPLE_GOLD, SEED_PROMPT, config(reflection="scripted:dreflect-down"), tmp_path)
    finally:
        unregister_scripted("dreflect-down")
    assert len(scripted["dstudent"].calls) < 30  # stopped at the first failure, not at the budget


async def test_unreachable_student_fails_before_gepa(tmp_path: Path) -> None:
    def down(request: ChatRequest) -> str:
        raise Rejected("connection refused", status=None)

    register_scripted("dstudent-down", down)
    try:
        with pytest.raises(LLMError, match="connection refused"):
            await distill(EXAMPLE_GOLD, SEED_PROMPT, config(student="scripted:dstudent-down"), tmp_path)
    finally:
        unregister_scripted("dstudent-down")
    assert not (tmp_path / "gepa").exists()


@pytest.mark.parametrize(("overrides", "message"), [
    ({"max_metric_calls": 5}, "cannot pay for one GEPA iteration"),
    ({"categorical": "category,priority"}, "label field 'priority' not found"),
    ({"stride": 20}, "no holdout records"),
])
async def test_bad_setups_fail_before_any_call(tmp_path: Path, scripted: dict[str, ScriptedBackend],
                                               overrides: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        await distill(EXAMPLE_GOLD, SEED_PROMPT, config(**overrides), tmp_path)
    assert not scripted["dstudent"].calls


async def test_a_category_only_the_holdout_has_scores_1_when_answered_right(tmp_path: Path) -> None:
    # "refunds" appears in the holdout only (every 2nd record is held out); the student answers the gold
    # label. With a schema built from train alone, {"cat": "refunds"} was rejected and scored 0.
    labels = ["billing", "refunds", "billing", "shipping", "shipping", "billing", "billing", "shipping"]
    gold = tmp_path / "gold.jsonl"
    gold.write_text("".join(json.dumps({"id": f"r{i}", "input": f"ticket {i}", "label": {"cat": cat}}) + "\n"
                            for i, cat in enumerate(labels)))
    truth = {f"ticket {i}": cat for i, cat in enumerate(labels)}

    def oracle(request: ChatRequest) -> str:
        return json.dumps({"cat": truth[str(request.messages[1]["content"]).split("\n\n")[0]]})

    register_scripted("dstudent-oracle", oracle)
    register_scripted("dreflect-noop2", lambda request: "```\nLabel it. Be careful.\n```")
    try:
        report = await distill(gold, "Label it.", config(
            student="scripted:dstudent-oracle", reflection="scripted:dreflect-noop2", categorical="cat",
            array="", stride=2, val_stride=0, max_metric_calls=None, generations=1, minibatch_size=2),
            tmp_path / "out")
    finally:
        unregister_scripted("dstudent-oracle")
        unregister_scripted("dreflect-noop2")
    assert "r1" in {r.id for r in report.split.holdout}
    assert "refunds" not in {r.label["cat"] for r in report.split.train}
    scores = {s.id: s for s in report.baseline_scores}
    assert scores["r1"].score == 1.0 and scores["r1"].error is None
    assert report.decision.baseline_mean == 1.0


async def test_generations_and_population_drive_gepa(tmp_path: Path, gold: list[GoldRecord],
                                                     scripted: dict[str, ScriptedBackend]) -> None:
    # A reflector that never improves anything: the run ends by generations, not by a perfect score.
    register_scripted("dreflect-noop3", lambda request: f"```\n{SEED_PROMPT} Be careful.\n```")
    try:
        report = await distill(EXAMPLE_GOLD, SEED_PROMPT, config(
            reflection="scripted:dreflect-noop3", max_metric_calls=None, generations=2, population=3,
            minibatch_size=2), tmp_path)
    finally:
        reflections = len(scripted["dstudent"].calls)
        unregister_scripted("dreflect-noop3")
    outcome, split = report.optimizer, report.split
    assert outcome.iterations == 2 and outcome.stopped_by == "generations"
    assert report.reflection_calls == 2 * 3  # one child per population member per generation
    # budget sized from the flags: the seed's validation pass + 2 worst-case generations of 3 children
    assert outcome.max_metric_calls == len(split.valset) + 2 * 3 * (2 * 2 + len(split.valset))
    assert len(split.valset) < outcome.metric_calls <= outcome.max_metric_calls
    assert reflections > 0
    result = json.loads((tmp_path / "result.json").read_text())
    assert result["budget"]["generations"] == 2 and result["budget"]["population"] == 3
    assert result["budget"]["iterations"] == 2
    assert result["calls"]["reflection"] == 6 and result["calls"]["student"] > 0
    assert result["cost_usd"] == 0.0 and result["winning_prompt"] == report.winner_prompt
    assert result["gate"]["rule"] == "ci"


async def test_budget_stays_the_direct_form(tmp_path: Path, scripted: dict[str, ScriptedBackend]) -> None:
    register_scripted("dreflect-noop4", lambda request: f"```\n{SEED_PROMPT} Be careful.\n```")
    try:
        report = await distill(EXAMPLE_GOLD, SEED_PROMPT, config(
            reflection="scripted:dreflect-noop4", max_metric_calls=20, minibatch_size=2), tmp_path)
    finally:
        unregister_scripted("dreflect-noop4")
    assert report.optimizer.max_metric_calls == 20 and report.optimizer.metric_calls <= 20
    assert report.optimizer.stopped_by == "max_metric_calls"
