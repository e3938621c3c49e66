"""Golden files: every format rendered from the fixture run, compared byte for byte.

Regenerate after an intended change with ``HADRON_UPDATE_GOLDEN=1 pytest tests/data/exports`` and review
the diff by eye before committing it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from hadron.data.exports import FORMATS
from hadron.runtime.export import export_run

from .conftest import GOLDEN

UPDATE = os.environ.get("HADRON_UPDATE_GOLDEN") == "1"


@pytest.mark.parametrize("name", list(FORMATS))
def test_format_matches_golden(run_dir: Path, tmp_path: Path, name: str) -> None:
    stats = export_run(run_dir, name, tmp_path / "out")
    written = stats[name].path.read_text(encoding="utf-8")
    golden = GOLDEN / FORMATS[name].filename
    if UPDATE:
        golden.write_text(written, encoding="utf-8")
    assert written == golden.read_text(encoding="utf-8")
    assert stats[name].written == len(written.splitlines())


def test_all_writes_every_format_into_run_exports(run_dir: Path) -> None:
    stats = export_run(run_dir)
    assert list(stats) == list(FORMATS)
    exports = run_dir / "exports"
    assert sorted(path.name for path in exports.iterdir()) == sorted(
        [*(f.filename for f in FORMATS.values()), "README.md", "dataset_info.json"])
    assert {name: s.written for name, s in stats.items()} == {
        "sft-trl": 5, "sft-openai": 5, "sft-sharegpt": 5,
        "dpo-trl": 10, "dpo-openai": 10, "dpo-sharegpt": 10,
        "cot": 2, "critic": 6, "critic-trl": 12, "critic-openai": 12, "critic-sharegpt": 12,
    }
    assert dict(stats["dpo-trl"].skipped) == {
        "void_pass": 1, "short_circuit_pass": 1, "identical_texts": 1, "loser_outscored_winner": 1,
        "no_trace": 2, "not_best_pair": 6,
    }
    assert dict(stats["cot"].skipped) == {"no_reasoning": 2, "no_generation": 1}
    assert dict(stats["critic"].skipped) == {"short_circuit_pass": 1, "no_critique": 1, "no_trace": 2}


def test_every_export_loads_with_datasets(run_dir: Path, tmp_path: Path) -> None:
    datasets = pytest.importorskip("datasets")
    datasets.disable_progress_bars()
    stats = export_run(run_dir, "all")
    for name, result in stats.items():
        loaded = datasets.load_dataset("json", data_files=str(result.path), split="train",
                                       cache_dir=str(tmp_path / "hf-cache"))
        first = json.loads(result.path.read_text(encoding="utf-8").splitlines()[0])
        assert len(loaded) == result.written, name
        assert set(first) <= set(loaded.column_names), name


def test_golden_dpo_pairs_never_repeat_a_text() -> None:
    for filename, chosen, rejected in (("dpo.trl.jsonl", "chosen", "rejected"),
                                       ("dpo.openai.jsonl", "preferred_output", "non_preferred_output"),
                                       ("dpo.sharegpt.jsonl", "chosen", "rejected")):
        for line in (GOLDEN / filename).read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            assert json.dumps(record[chosen]) != json.dumps(record[rejected]), filename
