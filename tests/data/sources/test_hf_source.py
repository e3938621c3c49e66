"""Hugging Face datasets, streaming, from local data only (the hub is switched off)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hadron.data.sources import SourceConfig, open_source
from hadron.errors import ConfigError, InputError


def test_saved_dataset_streams_rows(datasets: Any, tmp_path: Path) -> None:
    data = {"question": ["What is 2+2?", "Name a prime."], "qid": [10, 11]}
    datasets.Dataset.from_dict(data).save_to_disk(str(tmp_path / "saved"))
    config = SourceConfig(type="hf", path=str(tmp_path / "saved"), prompt_column="question", id_column="qid")
    source = open_source(config)
    assert list(source.rows()) == [
        {"id": "10", "prompt": "What is 2+2?"}, {"id": "11", "prompt": "Name a prime."}]
    assert source.describe()["format"] == "hf"


def test_saved_dataset_dict_picks_the_split(datasets: Any, tmp_path: Path) -> None:
    splits = {"train": datasets.Dataset.from_dict({"prompt": ["t"]}),
              "test": datasets.Dataset.from_dict({"prompt": ["x", "y"]})}
    datasets.DatasetDict(splits).save_to_disk(str(tmp_path / "dd"))
    path = str(tmp_path / "dd")
    assert [r["prompt"] for r in open_source(SourceConfig(type="hf", path=path)).rows()] == ["t"]
    assert len(list(open_source(SourceConfig(type="hf", path=path, split="test")).rows())) == 2
    with pytest.raises(ConfigError, match=r"no split 'dev' \(splits: train, test\)"):
        open_source(SourceConfig(type="hf", path=path, split="dev"))


def test_wrong_prompt_type_and_unknown_column(datasets: Any, tmp_path: Path) -> None:
    datasets.Dataset.from_dict({"prompt": [1, 2]}).save_to_disk(str(tmp_path / "ints"))
    with pytest.raises(InputError, match="column 'prompt' has type int64, expected string"):
        open_source(SourceConfig(type="hf", path=str(tmp_path / "ints")))
    with pytest.raises(InputError, match="unknown column 'text'"):
        open_source(SourceConfig(type="hf", path=str(tmp_path / "ints"), prompt_column="text"))


def test_local_data_dir_through_load_dataset(datasets: Any, tmp_path: Path) -> None:
    folder = tmp_path / "raw"
    folder.mkdir()
    (folder / "train.jsonl").write_text("".join(json.dumps({"prompt": f"p{n}"}) + "\n" for n in range(3)))
    rows = list(open_source(SourceConfig(type="hf", path=str(folder), head=2)).rows())
    assert [row["prompt"] for row in rows] == ["p0", "p1"]


def test_missing_local_dataset_is_an_input_error(datasets: Any, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot load dataset"):
        open_source(SourceConfig(type="hf", path=str(tmp_path / "nowhere")))


def test_broken_stream_names_the_row(datasets: Any, tmp_path: Path) -> None:
    folder = tmp_path / "raw"
    folder.mkdir()
    (folder / "train.jsonl").write_text('{"prompt": "fine"}\n{"prompt": broken\n')
    with pytest.raises(InputError, match="cannot read row"):
        list(open_source(SourceConfig(type="hf", path=str(folder))).rows())


def test_missing_datasets_package_names_the_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(__import__("sys").modules, "datasets", None)
    with pytest.raises(ConfigError, match="pip install datasets"):
        open_source(SourceConfig(type="hf", path=str(tmp_path)))
