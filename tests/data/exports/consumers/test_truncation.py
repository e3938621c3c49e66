"""A text the model cut at its token limit, recorded by the tournament (``finish_reason``), is left out
of the SFT and preference exports unless asked, and what is left trains."""

from __future__ import annotations

from pathlib import Path

from hadron.data.exports.options import ExportOptions
from hadron.llm.types import ChatRequest, Completion
from hadron.runtime.export import export_run

from . import runs
from .conftest import dpo_step, read_jsonl


class CutRevision(runs.Tournament):
    """Author B's first revision (the pass-1 winner, and so the final text) hits ``max_tokens``."""

    def __call__(self, request: ChatRequest) -> str | Completion:
        reply = super().__call__(request)
        if reply.endswith("beta-1"):
            return Completion(text="beta-1", model=request.model, reasoning="fix point 1",
                              finish_reason="length")
        return reply


async def test_a_cut_revision_is_left_out_unless_asked(tmp_path: Path, tiny_lm: Path) -> None:
    run = await runs.scripted_autoreason(tmp_path, CutRevision(), name="cut")
    rows = [row for path in sorted((run / "data").glob("part-*.jsonl")) for row in read_jsonl(path)]
    assert all(row["truncated"] for row in rows)  # the tournament recorded the cut final text
    stats = export_run(run, "sft-trl,dpo-trl,cot")
    assert not stats["sft-trl"].has_file and stats["sft-trl"].skipped["truncated"] == 2
    assert stats["cot"].skipped["truncated"] == 2
    # pass 1's best pairs both hold the cut B; pass 2 is a three-way tie (below the margin)
    assert not stats["dpo-trl"].has_file and not stats["dpo-trl"].path.exists()
    assert stats["dpo-trl"].skipped["truncated"] == 4 and stats["dpo-trl"].skipped["below_min_margin"] == 4
    kept = export_run(run, "sft-trl,dpo-trl", tmp_path / "all", ExportOptions(include_truncated=True))
    assert kept["sft-trl"].written == 2 and kept["dpo-trl"].written == 4
    dpo_step(tiny_lm, kept["dpo-trl"].path, tmp_path / "train")
