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
                           progress=lambda calls, best: seen_progress.append((calls, best)))

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
