"""End to end with the embedded SmolLM2 on one scenario per family. A 135M model rarely solves them; what
must hold is the bookkeeping: every planned episode is saved, rejected with a known reason, or an error;
every saved conversation passes the trace invariants; exports match the saved rows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hadron.tasks.agentic.run import AgenticRunConfig, load_run_config, run_agentic
from hadron.tasks.agentic.trace import check_invariants

SCENARIOS = Path(__file__).resolve().parents[3] / "src/hadron/tasks/agentic/scenarios"
REASONS = {
    "turn_cap",
    "empty_reply",
    "model_rejected",
    "invalid_calls",
    "invalid_trace",
    "review_unparseable",
    "task_failed",
    "language",
    "review_failed",
    "leak",
}
CONFIGS = Path(__file__).resolve().parents[3] / "configs"
REVIEW_WORDS = ("review", "earlier attempt", "rubric", "needs_revision", "score")


@pytest.mark.model
@pytest.mark.slow
async def test_local_model_one_scenario_per_family(tmp_path: Path) -> None:
    folder = tmp_path / "scenarios"
    folder.mkdir()
    for name in ("terminal/disk-full-nginx.yaml", "telecom/lost-phone-es.yaml", "orders/cancel-order.yaml"):
        (folder / name.replace("/", "-")).write_text((SCENARIOS / name).read_text(encoding="utf-8"))
    config = AgenticRunConfig(
        scenarios=str(folder),
        episodes=3,
        concurrency=3,
        loop={"max_turns": 2, "max_tokens": 96, "user_max_tokens": 48},
        review={"max_rounds": 0, "max_tokens": 256, "max_reasks": 0},
    )
    out = tmp_path / "run"
    summary = await run_agentic(config, out, progress="off")

    assert summary.planned == 3 and summary.errors == 0
    assert summary.rows + sum(summary.rejected.values()) == 3
    assert set(summary.rejected) <= REASONS
    rows = [
        json.loads(line)
        for part in sorted((out / "data").glob("part-*.jsonl"))
        for line in part.read_text().splitlines()
    ]
    assert len(rows) == summary.rows
    for row in rows:
        assert check_invariants(row["messages"], row["tools"]) == []
        assert row["served_by"] == "local" and row["models"]["teacher"] == "local"
    rejects = (
        [json.loads(line) for line in (out / "rejects.jsonl").read_text().splitlines()]
        if (out / "rejects.jsonl").exists()
        else []
    )
    assert len(rejects) == sum(summary.rejected.values())
    for reject in rejects:
        assert reject["reason"] in REASONS and reject["detail"]["attempts"]
        assert reject["detail"]["messages"][0]["role"] == "system"
        assert {c["description"] for c in reject["detail"]["checks"]}  # the final state was checked
    families = {row["family"] for row in rows} | {r["detail"]["family"] for r in rejects}
    assert families == {"terminal", "telecom", "orders"}
    for stats in summary.exports.values():
        assert stats.written == summary.rows


@pytest.mark.model
@pytest.mark.slow
async def test_the_terminal_config_with_the_embedded_model(tmp_path: Path) -> None:
    """``hadron agentic --config configs/run.terminal.yaml``: the embedded model's caps apply, every
    planned episode is accounted for, and what is saved is a valid conversation with no reviewer text.
    The 135M model rarely fixes a host, so the success gate is lifted here to have conversations to
    check (measured: with the gate, 0 of 2 saved; without it, 2 of 2)."""
    config = load_run_config(CONFIGS / "run.terminal.yaml", review={"require_success": False})
    assert not config.review.enabled
    assert config.loop.max_tokens == 128 and config.loop.tool_list == "compact"
    out = tmp_path / "run"
    summary = await run_agentic(config, out, progress="off")
    assert summary.errors == 0 and summary.rows + sum(summary.rejected.values()) == summary.planned == 2
    assert summary.rows >= 1
    assert set(summary.rejected) <= REASONS
    shard = out / "exports/terminal/shard-00000.jsonl"
    saved = [json.loads(line) for line in shard.read_text().splitlines()] if shard.exists() else []
    assert len(saved) == summary.rows
    for record in saved:
        assert check_invariants(record["messages"], record["tools"]) == []
        text = json.dumps(record["messages"]).lower()
        assert not [word for word in REVIEW_WORDS if word in text]
    assert json.loads((out / "qa.json").read_text())["accepted"] == summary.rows
