"""End to end with the embedded model (SmolLM2 via llama.cpp) and the packaged MiniLM embeddings.

The 135M model is weak: most rounds end as rejections. What is checked is that every round ends as a
kept row, a reject with a known reason, or an error record, and that the files are complete.
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
