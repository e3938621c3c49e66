"""Export options and the never-empty rule: truncated texts, preference margin, pairs, and a task that
makes only some record kinds."""

from __future__ import annotations

import json
from pathlib import Path

from hadron.data.exports.options import ExportOptions
from hadron.runtime.export import describe, export_run

from .conftest import make_run


def by_id(rows: list[dict], row_id: str) -> dict:
    return next(row for row in rows if row["id"] == row_id)


def test_truncated_generation_is_left_out_of_sft_unless_asked(tmp_path: Path, rows: list[dict]) -> None:
    by_id(rows, "capital-fr")["finish_reason"] = "length"
    by_id(rows, "nine-prime")["truncated"] = True
    run = make_run(tmp_path / "run", rows)
    stats = export_run(run, "sft-trl")["sft-trl"]
    assert (stats.written, stats.skipped["truncated"]) == (3, 2)
    ids = [json.loads(line)["id"] for line in stats.path.read_text(encoding="utf-8").splitlines()]
    assert "capital-fr" not in ids and "nine-prime" not in ids
    kept = export_run(run, "sft-trl", options=ExportOptions(include_truncated=True))["sft-trl"]
    assert (kept.written, kept.skipped["truncated"]) == (5, 0)


def test_a_truncated_candidate_drops_the_pairs_it_is_in(tmp_path: Path, rows: list[dict]) -> None:
    first = by_id(rows, "sky-blue")["trace"][0]
    first["ab"]["finish_reason"] = "length"  # pass 1: B won; B-AB is a best pair, A-AB is not
    stats = export_run(make_run(tmp_path / "run", rows), "dpo-trl")["dpo-trl"]
    assert (stats.written, stats.skipped["truncated"]) == (9, 1)
    records = [json.loads(line) for line in stats.path.read_text(encoding="utf-8").splitlines()]
    assert not any(r["pass"] == 1 and "AB" in (r["chosen_label"], r["rejected_label"]) for r in records)


def test_ties_are_not_preferences_by_default(tmp_path: Path, rows: list[dict]) -> None:
    first = by_id(rows, "sky-blue")["trace"][0]
    first["borda"] = {"A": 6, "B": 6, "AB": 4}
    first["winner"] = "A"  # ties go to A
    run = make_run(tmp_path / "run", rows)
    default = export_run(run, "dpo-trl")["dpo-trl"]
    assert default.skipped["below_min_margin"] == 1
    loose = export_run(run, "dpo-trl", options=ExportOptions(min_margin=0))["dpo-trl"]
    assert loose.written == default.written + 1


def test_a_task_without_preferences_writes_no_empty_file(tmp_path: Path, rows: list[dict]) -> None:
    """The agentic / NanoFlux case: `-f all` writes the SFT files, and no DPO, CoT or critic file."""
    run = make_run(tmp_path / "run", [by_id(rows, "disk-full")])
    (run / "config.yaml").write_text("task: agentic\n", encoding="utf-8")
    stats = export_run(run, "all")
    written = sorted(p.name for p in (run / "exports").iterdir())
    assert written == ["README.md", "dataset_info.json", "sft.openai.jsonl", "sft.sharegpt.jsonl",
                       "sft.trl.jsonl"]
    assert all(path.stat().st_size for path in (run / "exports").iterdir())
    assert dict(stats["dpo-trl"].skipped) == {"no_dpo": 1} and not stats["dpo-trl"].has_file
    assert dict(stats["cot"].skipped) == {"no_cot": 1}


def test_the_command_summary_names_the_formats_that_wrote_no_file(tmp_path: Path, rows: list[dict]) -> None:
    run = make_run(tmp_path / "run", [by_id(rows, "capital-fr")])  # no reasoning, no trace
    line = describe(export_run(run, "sft-trl,cot,dpo-trl"))
    assert line == "sft-trl 1; no file: cot (no_reasoning=1), dpo-trl (no_trace=1)"
