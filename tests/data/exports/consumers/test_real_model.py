"""The whole path live: the embedded SmolLM2 runs a one-pass tournament through the real pipeline, the
run is exported, and its SFT and preference files train for one step in TRL (slow: model minutes)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hadron.data.exports.options import ExportOptions
from hadron.runtime.export import export_run
from hadron.runtime.pipeline import Pipeline
from hadron.tasks.autoreason.step import AutoReason

from .conftest import dpo_step, sft_step

pytestmark = [pytest.mark.model, pytest.mark.slow]

SHORT = {"max_tokens": 64}


async def test_an_embedded_model_run_trains_in_trl(tmp_path: Path, tiny_lm: Path) -> None:
    pytest.importorskip("llama_cpp")
    step = AutoReason(model="local", max_passes=1, teacher=SHORT, critic=SHORT, author_b=SHORT,
                      synthesizer=SHORT, judge={"max_tokens": 96})
    rows = [{"id": "arrive", "prompt": "A train leaves at 3:40 pm and takes 85 minutes. When is it there?"}]
    result = await Pipeline(rows, [step]).run(tmp_path / "run", progress="quiet")
    assert result.rows == 1
    # 64-token caps often cut the 135M model off: keep cut texts here (this test is about the trainer
    # reading the files; the truncation screen has its own tests), else a truncated final text leaves
    # no SFT record and the test would hinge on how the model rambled.
    stats = export_run(tmp_path / "run", "sft-trl,dpo-trl,critic-trl,cot",
                       options=ExportOptions(include_truncated=True))
    assert stats["sft-trl"].has_file and stats["critic-trl"].has_file
    for name in ("sft-trl", "critic-trl", "cot"):
        if stats[name].has_file:
            sft_step(tiny_lm, stats[name].path, tmp_path / name)
        else:
            assert not stats[name].path.exists()
    if stats["dpo-trl"].has_file:  # the judges may tie every pair (then no preference is exported)
        dpo_step(tiny_lm, stats["dpo-trl"].path, tmp_path / "dpo")
    else:
        assert set(stats["dpo-trl"].skipped) <= {"below_min_margin", "not_best_pair", "tied_scores",
                                                 "identical_texts", "void_pass", "short_circuit_pass",
                                                 "loser_outscored_winner", "truncated"}
