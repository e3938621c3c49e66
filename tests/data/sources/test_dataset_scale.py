"""Prompt sets at dataset scale: ``ianncity/General-Distillation-Prompts-1M`` as the hub serves it.

The dataset is one ``prompts.txt`` (one prompt per line, 1.28M lines); the hub's Parquet conversion and
``load_dataset`` give it one string column, ``text``. These tests build that layout locally (nothing is
downloaded) and read it the way the README shows: ``--prompt-column text`` with ``--limit`` or
``--sample``/``--seed``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hadron.data.sources import SourceConfig, open_source

GDP_COLUMNS = ("text",)
"""The columns of ``ianncity/General-Distillation-Prompts-1M`` (its ``prompts.txt`` read as a dataset)."""


def gdp_parquet(path: Path, count: int) -> str:
    import pyarrow as pa
    import pyarrow.parquet as pq

    prompts = [f"Explain step {n} of the proof.\\nShow your work." for n in range(count)]
    pq.write_table(pa.table({"text": prompts}), path, row_group_size=500)
    return str(path)


def test_gdp_layout_with_prompt_column_text_gets_hash_ids(tmp_path: Path) -> None:
    path = gdp_parquet(tmp_path / "gdp.parquet", 50)
    rows = list(open_source(SourceConfig(path=path, prompt_column="text", head=3)).rows())
    assert [row["prompt"] for row in rows] == [
        f"Explain step {n} of the proof.\\nShow your work." for n in range(3)]
    assert all(set(row) == {"id", "prompt"} and len(row["id"]) == 16 for row in rows)


def test_sample_is_streamed_seeded_and_in_source_order(tmp_path: Path) -> None:
    path = gdp_parquet(tmp_path / "gdp.parquet", 5_000)

    def sample(seed: int) -> list[str]:
        options = {"path": path, "prompt_column": "text", "sample": 20, "seed": seed}
        config = SourceConfig.model_validate(options)
        source = open_source(config)
        ids = [row["id"] for row in source.rows()]
        assert source.stats.records == 5_000  # every row was seen once, only 20 kept
        return ids

    first = sample(7)
    assert len(set(first)) == 20 and first == sample(7) and first != sample(8)


def test_without_the_column_option_the_error_names_the_columns(tmp_path: Path) -> None:
    from hadron.errors import InputError

    with pytest.raises(InputError, match=r"unknown column 'prompt' \(columns: text\)"):
        open_source(gdp_parquet(tmp_path / "gdp.parquet", 2))


def test_an_hf_text_dataset_reads_with_prompt_column_text(datasets: Any, tmp_path: Path) -> None:
    folder = tmp_path / "General-Distillation-Prompts-1M"
    folder.mkdir()
    (folder / "prompts.txt").write_text("first prompt\nsecond prompt\nthird prompt\n")
    source = open_source(SourceConfig(path=f"hf:{folder}", prompt_column="text", head=2))
    assert [row["prompt"] for row in source.rows()] == ["first prompt", "second prompt"]
    assert source.describe()["format"] == "hf"
