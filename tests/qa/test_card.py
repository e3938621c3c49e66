from __future__ import annotations

import glob
import re
from pathlib import Path

import pytest

from hadron.qa.card import MARKER, parse_card, size_category, write_dataset_card

REQUIRED_SECTIONS = ("## Dataset structure", "## Counts", "## How it was made", "## Intended use",
                     "## Known limitations", "## Citation")


def card_of(run: Path) -> tuple[dict, str]:
    return parse_card(write_dataset_card(run).read_text(encoding="utf-8"))


def test_autoreason_card(autoreason_run: Path) -> None:
    header, body = card_of(autoreason_run)
    assert header["license"] == "apache-2.0"  # from config.yaml
    assert header["task_categories"] == ["text-generation"]
    assert {"synthetic", "hadron", "autoreason"} <= set(header["tags"])
    assert header["size_categories"] == ["n<1K"]
    for section in REQUIRED_SECTIONS:
        assert section in body
    assert "| judge | `local` |" in body and "| teacher | `openai:gpt-4o-mini` |" in body
    assert "| synthesis | `\"merge\"` |" in body
    assert "| rows | 6 |" in body and "duplicate_prompt (1)" in body
    assert ("| judge ballots ranking the candidate shown first as best (local) | "
            "16/48 (33%, 95% CI 22%-47%; chance 33%) |") in body
    assert "Autoreason: Self-Refinement That Knows When to Stop" in body
    assert "NanoFlux: Adversarial Dual-LLM Evaluation" in body and "2507.19457" in body


def test_configs_point_at_existing_files(autoreason_run: Path) -> None:
    header, _ = card_of(autoreason_run)
    names = [c["config_name"] for c in header["configs"]]
    assert names == ["default", "sft"]
    for config in header["configs"]:
        for split in config["data_files"]:
            paths = split["path"] if isinstance(split["path"], list) else [split["path"]]
            for pattern in paths:
                assert glob.glob(str(autoreason_run / pattern)), pattern
    assert header["configs"][0]["data_files"] == [{"split": "train", "path": "data/*.jsonl"}]


def test_card_loads_with_huggingface_tools(autoreason_run: Path, tmp_path: Path) -> None:
    hub = pytest.importorskip("huggingface_hub")
    card = hub.DatasetCard.load(write_dataset_card(autoreason_run))
    assert card.data.license == "apache-2.0"
    datasets = pytest.importorskip("datasets")
    cache = str(tmp_path / "hf-cache")
    rows = datasets.load_dataset(str(autoreason_run), "default", split="train", cache_dir=cache)
    assert rows.num_rows == 6
    sft = datasets.load_dataset(str(autoreason_run), "sft", split="train", cache_dir=cache)
    assert sft.column_names == ["messages"]


def test_other_tasks(agentic_run: Path, nanoflux_run: Path) -> None:
    header, body = card_of(agentic_run)
    assert header["license"] == "unknown" and "tool-use" in header["tags"]
    assert "Agentic trace distillation" in body and "simulated" in body
    header, body = card_of(nanoflux_run)
    assert "question-answering" in header["task_categories"]
    assert body.index("@misc{anantha2025nanoflux") < body.index("Other methods implemented in Hadron")


def test_an_edited_card_is_kept(autoreason_run: Path) -> None:
    path = write_dataset_card(autoreason_run)
    assert MARKER in path.read_text(encoding="utf-8")
    path.write_text("---\nlicense: mit\n---\n# Mine\n", encoding="utf-8")
    write_dataset_card(autoreason_run)
    assert path.read_text(encoding="utf-8").endswith("# Mine\n")
    write_dataset_card(autoreason_run, force=True)
    assert MARKER in path.read_text(encoding="utf-8")


def test_size_categories() -> None:
    assert [size_category(n) for n in (0, 999, 1000, 250_000, 2_000_000)] == [
        "n<1K", "n<1K", "1K<n<10K", "100K<n<1M", "1M<n<10M"]


def test_header_is_plain_yaml_block(autoreason_run: Path) -> None:
    text = write_dataset_card(autoreason_run).read_text(encoding="utf-8")
    assert re.match(r"---\n(.+\n)+---\n", text)
