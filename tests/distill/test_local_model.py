"""One end-to-end distillation with the embedded SmolLM2 as both student and reflection model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hadron.distill import DistillConfig, distill

from .conftest import EXAMPLE_GOLD

pytestmark = [pytest.mark.model, pytest.mark.slow]

SEED_PROMPT = (EXAMPLE_GOLD.parent / "baseline_prompt.txt").read_text().strip()


async def test_distill_with_embedded_model(tmp_path: Path) -> None:
    pytest.importorskip("llama_cpp")
    config = DistillConfig(categorical=("category", "urgent"), array=("tags",), max_metric_calls=10,
                           minibatch_size=2, max_seconds=300, reflection_max_tokens=256,
                           student_max_tokens=96, seed=1, bootstrap=500)
    first = await distill(EXAMPLE_GOLD, SEED_PROMPT, config, tmp_path)

    assert first.optimizer.metric_calls <= config.max_metric_calls
    assert first.optimizer.seen_ids.isdisjoint(r.id for r in first.split.holdout)
    d = first.decision
    assert d.n == 3 and 0.0 <= d.baseline_mean <= 1.0 and 0.0 <= d.winner_mean <= 1.0
    assert d.promoted == (d.delta > config.min_delta)
    result = json.loads((tmp_path / "result.json").read_text())
    assert result["promoted"] == d.promoted and result["gate"]["n"] == 3
    assert result["usage"]["student"]["calls"] >= first.optimizer.metric_calls
    assert (tmp_path / "student_prompt.txt").read_text().strip() == first.student_prompt
    print(f"\nembedded model: baseline {d.baseline_mean:.4f} winner {d.winner_mean:.4f} "
          f"delta {d.delta:+.4f} CI [{d.ci_low:+.4f}, {d.ci_high:+.4f}] promoted={d.promoted} "
          f"metric_calls={first.optimizer.metric_calls} reflection_calls={first.reflection_calls} "
          f"candidates={len(first.optimizer.candidates)} optimizer_s={first.optimizer.seconds:.1f} "
          f"total_s={first.seconds:.1f}")

    # Same seed, same command: the same candidates and the same gate decision (replayed from the cache,
    # with gepa in a fresh run directory).
    second = await distill(EXAMPLE_GOLD, SEED_PROMPT, config, tmp_path)
    assert second.optimizer.run_dir != first.optimizer.run_dir
    assert [c.prompt for c in second.optimizer.candidates] == [c.prompt for c in first.optimizer.candidates]
    assert second.decision == first.decision
    assert second.usage["student"].cache_hits >= first.optimizer.metric_calls
