"""Every SFT- and preference-shaped export trains for one optimizer step in TRL's own trainers.

Runs: the recorded embedded-model runs (AutoReason, agentic, NanoFlux), a scripted tournament through
the real pipeline (reasoning, ties), and the hand-written fixture (a tool-calling conversation). Each run
is exported once per session with every format; each file TRL reads goes to ``SFTTrainer`` or
``DPOTrainer`` with a tiny local Llama (``conftest.py``). The TRL version is recorded in docs/formats.md.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hadron.runtime.export import ExportStats

from .conftest import RUNS, dpo_step, read_jsonl, sft_step

SFT_FILES = ("sft-trl", "cot", "critic-trl")
DPO_FILES = ("dpo-trl",)


CASES = [(run, fmt) for run in RUNS for fmt in (*SFT_FILES, *DPO_FILES)]
TRAINED: set[tuple[str, str]] = set()


@pytest.mark.parametrize(("run", "fmt"), CASES, ids=[f"{run}:{fmt}" for run, fmt in CASES])
def test_export_trains_one_step(exported: dict[str, dict[str, ExportStats]], tiny_lm: Path,
                                tmp_path: Path, run: str, fmt: str) -> None:
    stats = exported[run][fmt]
    if not stats.has_file:
        assert not stats.path.exists()  # never an empty file
        pytest.skip(f"{run} has no {fmt} records ({dict(stats.skipped)})")
    step = dpo_step if fmt in DPO_FILES else sft_step
    trainer = step(tiny_lm, stats.path, tmp_path)
    assert len(trainer.train_dataset) == stats.written


def test_each_task_reaches_the_trainers(exported: dict[str, dict[str, ExportStats]]) -> None:
    """The runs are not vacuous: AutoReason gives every kind, the agentic and NanoFlux runs SFT."""
    assert all(exported["recorded-autoreason"][fmt].has_file for fmt in ("sft-trl", "dpo-trl", "critic-trl"))
    assert all(exported["scripted"][fmt].has_file for fmt in (*SFT_FILES, *DPO_FILES))
    assert exported["recorded-agentic"]["sft-trl"].has_file
    assert exported["recorded-nanoflux"]["sft-trl"].has_file


def test_tool_schemas_reach_the_chat_template(exported: dict[str, dict[str, ExportStats]], tiny_lm: Path,
                                              tmp_path: Path) -> None:
    """The agentic SFT file's ``tools`` column is rendered into the training tokens, and its tool calls."""
    path = exported["recorded-agentic"]["sft-trl"].path
    first = read_jsonl(path)[0]
    assert first["tools"] and any(m.get("tool_calls") for m in first["messages"])
    trainer = sft_step(tiny_lm, path, tmp_path)
    text = trainer.processing_class.decode(trainer.train_dataset[0]["input_ids"])
    tool = first["tools"][0]["function"]["name"]
    assert "You may call these tools" in text and tool in text and "<tool_call>" in text


def test_cot_trains_on_the_completion_only(exported: dict[str, dict[str, ExportStats]], tiny_lm: Path,
                                           tmp_path: Path) -> None:
    """CoT is prompt–completion: the loss mask covers the ``<think>`` completion, not the prompt."""
    path = exported["scripted"]["cot"].path
    record = read_jsonl(path)[0]
    assert record["completion"][0]["content"].startswith("<think>\nfix point 1\n</think>")
    trainer = sft_step(tiny_lm, path, tmp_path)
    example = trainer.train_dataset[0]
    trained = [token for token, label in zip(example["input_ids"], example["labels"], strict=True)
               if label != -100]  # TRL turns the completion mask into labels, -100 on the prompt
    completion = trainer.processing_class.decode(trained)
    assert "<think>" in completion and "Write a haiku" not in completion and "train leaves" not in completion
