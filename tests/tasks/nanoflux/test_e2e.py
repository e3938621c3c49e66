"""End to end with the embedded model (SmolLM2 via llama.cpp) and the packaged MiniLM embeddings.

The 135M model is weak: most rounds it plays as attacker end as rejections, so the smoke tests check
that every round ends as a pooled row, a reject with a known reason, or an error record, and print the
keep rate without asserting it. ``test_a_scripted_attacker_against_the_embedded_judge`` scripts only
the attacker (arithmetic questions with known answers); the defender, the judge, its tool calls in
the OS sandbox, verification, novelty and selection are all real, and it must keep a selected item
and make a real tool call.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hadron.runtime.export import export_run
from hadron.tasks.nanoflux.config import NanoFluxConfig
from hadron.tasks.nanoflux.records import REASONS
from hadron.tasks.nanoflux.step import NanoFluxStep

pytestmark = [pytest.mark.model, pytest.mark.slow]

SMALL = {"max_tokens": 160, "max_reasks": 1}


def settings(model: str, **overrides: Any) -> NanoFluxConfig:
    values: dict[str, Any] = {
        "domains": ["math"], "per_domain": 2, "pool_factor": 1, "max_rounds": 2, "concurrency": 1,
        "attacker": {"model": model, **SMALL}, "defender": {"model": model, "max_tokens": 96},
        "judge": {"model": model, "max_tokens": 96, "verdict_max_tokens": 120, "max_reasks": 1,
                  "max_tool_calls": 1},
        "band": {"hops": [0, 50], "levels": [1, 3]}, "require": "any"}
    values.update(overrides)
    return NanoFluxConfig.model_validate(values)


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


async def check_run(config: NanoFluxConfig, out: Path) -> None:
    from hadron.tasks.nanoflux.run import run_step

    step = NanoFluxStep("nanoflux", **config.model_dump())
    rows, _, errors = await run_step(step, out)
    kept = [row for path in sorted((out / "data").glob("part-*.jsonl")) for row in lines(path)]
    rejects = lines(out / "rejects.jsonl")
    failures = lines(out / "errors.jsonl")
    ids = sorted([r["id"] for r in kept] + [r["id"] for r in rejects] + [e["id"] for e in failures])
    assert ids == [f"math/r{i:05d}" for i in range(config.rounds_limit())]
    assert rows == len(kept) and errors == len(failures)
    assert {r["reason"] for r in rejects} <= set(REASONS)
    for row in kept:
        assert row["question"] and row["reference_answer"] and row["messages"][1]["role"] == "assistant"
        assert 0.0 <= row["novelty"] <= 1.0
    print(f"keep rate: {len(kept)}/{config.rounds_limit()} rounds pooled "
          f"(rejects: {sorted(r['reason'] for r in rejects)})")
    if kept:
        stats = export_run(out, "sft-trl")
        assert stats["sft-trl"].written == len(kept)


async def test_rounds_with_the_embedded_model_in_process(tmp_path: Path) -> None:
    await check_run(settings("local"), tmp_path / "run")


async def test_rounds_with_the_embedded_model_over_http(tmp_path: Path) -> None:
    """Served over HTTP the backend offers native tool calls, so the judge goes through that path."""
    from hadron.testing import serve_local

    with serve_local() as base_url:
        await check_run(settings(f"{base_url}#smollm2", max_rounds=1), tmp_path / "run")


ARITHMETIC = (
    ("A baker makes 6 trays with 24 rolls on each tray. How many rolls does he make?", "144"),
    ("A shop sells pens at 3 dollars each. Tom buys 17 pens. How many dollars does he pay?", "51"),
)
"""One multiplication each: SmolLM2-135M as judge writes ``print(6 * 24)`` for these. For two-step
questions (change from a 100 dollar bill, a tank filled then drained) it printed wrong numbers in 4 of
4 measured runs, so verification would be honestly false; the test needs a verified item."""


async def test_a_scripted_attacker_against_the_embedded_judge(tmp_path: Path) -> None:
    import itertools

    from hadron.runtime.rundir import RunDir
    from hadron.runtime.task import RunRequest
    from hadron.tasks.nanoflux.run import run_nanoflux
    from hadron.testing import register_scripted, unregister_scripted

    turns = itertools.cycle(ARITHMETIC)

    def attacker(request: Any) -> str:
        question, answer = next(turns)
        return json.dumps({"question": question, "explanation": "Work through the numbers step by step.",
                           "answer": answer})

    register_scripted("nanoflux-e2e-attacker", attacker)
    try:
        config = settings("local", attacker={"model": "scripted:nanoflux-e2e-attacker"}, alternate=False,
                          per_domain=1, pool_factor=2,
                          judge={"model": "local", "max_tokens": 160, "verdict_max_tokens": 120,
                                 "max_reasks": 1, "max_tool_calls": 1, "tool_protocol": "text",
                                 "compute_first": True})
        out = tmp_path / "run"
        done = await run_nanoflux(RunRequest(config, out, progress="off"))
    finally:
        unregister_scripted("nanoflux-e2e-attacker")
    run = RunDir(out)
    pooled = [located.row for located in run.rows()]
    rejects = list(run.records("rejects"))
    evidence = [item for row in pooled for item in row["tool_evidence"]] + [
        item for r in rejects for item in r["detail"].get("tool_evidence", [])]
    print(f"pooled {len(pooled)}/{config.rounds_limit()}, selected {done.summary.selected}, "
          f"verified {[row['verified'] for row in pooled]}, tool calls {len(evidence)}")
    printed = [item for item in evidence
               if item["error_kind"] is None and any(char.isdigit() for char in item["output"])]
    assert printed, f"no tool call of the embedded judge ran and printed a number: {evidence}"
    assert pooled and done.summary.selected == {"math": 1}
    assert any(row["verified"] is True for row in pooled), [row["verification"] for row in pooled]
    for row in pooled:
        assert row["verified"] in (True, False, "not_applicable") and row["verification"]["kind"] == "numeric"
    selection = lines(out / "selection.jsonl")
    assert [line["selected"] for line in selection][:1] == [True] and selection[0]["why"]
    sft = lines(out / "exports" / "sft.trl.jsonl")
    assert len(sft) == 1
