"""LLaMA-Factory's own data pipeline on our ShareGPT exports: a manual check, not collected by pytest.

``llamafactory`` cannot be installed beside our pins (it pins ``trl<=0.24`` and ``datasets<=4.0`` and
pulls CUDA torch), so CI applies its loader's rules instead (``sharegpt_rules.py``). This script runs
the real thing: ``llamafactory.data.get_dataset`` (dataset_info.json entry -> ``SharegptDatasetConverter``
-> template -> tokenized SFT or pairwise rows) on every ShareGPT file the consumer tests export, and
fails if any row is dropped or holds no trained token. Set up once, outside the project's venv pins::

    .venv/bin/pip install --no-deps --target /tmp/lf llamafactory==0.9.5 peft==0.18.1 omegaconf fire \\
        tyro==0.8.14
    PYTHONPATH=/tmp/lf .venv/bin/python tests/data/exports/consumers/llamafactory_check.py

Only its text data path is used: ``torchaudio`` and ``av`` (multimodal plugins, imported at module
level) are stubbed when absent, and the tokenizer is loaded with transformers (LLaMA-Factory's
``model`` package imports a TRL class newer TRL releases dropped). Results: docs/formats.md.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

TESTS = Path(__file__).resolve().parents[3]
RUNS = ("recorded-autoreason", "recorded-agentic", "recorded-nanoflux", "scripted", "fixture")


def stub_multimodal(root: Path) -> None:
    """Empty ``torchaudio``/``av`` modules where they are not installed: text datasets never call them."""
    for name in ("torchaudio", "av"):
        if importlib.util.find_spec(name) is None:
            (root / name).mkdir(parents=True, exist_ok=True)
            (root / name / "__init__.py").write_text("")
    sys.path.append(str(root))


def check_entry(lm: Path, folder: Path, name: str, entry: dict[str, Any], work: Path) -> str | None:
    """Load one dataset_info.json entry through LLaMA-Factory; None when every row came through."""
    from llamafactory.data import get_dataset, get_template_and_fix_tokenizer
    from llamafactory.hparams import get_train_args
    from transformers import AutoTokenizer

    stage = "rm" if entry.get("ranking") else "sft"
    model_args, data_args, training_args, _, _ = get_train_args(dict(
        stage=stage, do_train=True, model_name_or_path=str(lm), dataset=name, dataset_dir=str(folder),
        template="default", cutoff_len=2048, output_dir=str(work / "out"), overwrite_cache=True,
        report_to="none", finetuning_type="full", per_device_train_batch_size=1))
    tokenizer = AutoTokenizer.from_pretrained(str(lm))
    template = get_template_and_fix_tokenizer(tokenizer, data_args)
    rows = get_dataset(template, model_args, data_args, training_args, stage, tokenizer=tokenizer,
                       processor=None)["train_dataset"]
    written = sum(1 for line in (folder / entry["file_name"]).read_text().splitlines() if line.strip())
    label_columns = ["labels"] if stage == "sft" else ["chosen_labels", "rejected_labels"]
    untrained = sum(1 for row in rows for column in label_columns if all(t == -100 for t in row[column]))
    print(f"{folder.parent.name:>24} {name:<24} {stage:<3} {written} written -> {len(rows)} loaded, "
          f"{untrained} without a trained token")
    if len(rows) != written or untrained:
        return f"{folder}: {name}: {written} written, {len(rows)} loaded, {untrained} untrained"
    return None


def main() -> int:
    os.environ["DISABLE_VERSION_CHECK"] = "1"  # its pins, not its data code, are what cannot be met here
    sys.path.insert(0, str(TESTS))
    work = Path(tempfile.mkdtemp(prefix="lf-check-"))
    stub_multimodal(work / "stubs")
    import llamafactory

    from data.exports.consumers.conftest import Exports, make_tiny_lm

    print(f"llamafactory {llamafactory.__version__}")
    lm, exports, problems, entries = make_tiny_lm(work / "lm"), Exports(work / "runs"), [], 0
    for run in RUNS:
        for folder in sorted({stats.path.parent for stats in exports[run].values() if stats.has_file}):
            info = folder / "dataset_info.json"
            for name, entry in json.loads(info.read_text()).items() if info.is_file() else ():
                entries += 1
                problem = check_entry(lm, folder, name, entry, work)
                if problem:
                    problems.append(problem)
    print(f"{entries} dataset entries, {len(problems)} with problems")
    for problem in problems:
        print("PROBLEM", problem)
    return 1 if problems or not entries else 0


if __name__ == "__main__":
    sys.exit(main())
