"""Parquet: schema checked at open (unknown column, wrong type), rows numbered from 1."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from hadron.data.sources import SourceConfig, open_source
from hadron.errors import InputError


def write_parquet(path: Path, columns: dict[str, Any]) -> str:
    pq.write_table(pa.table(columns), path)
    return str(path)


def test_rows_stream_across_batches(tmp_path: Path) -> None:
    prompts = [f"prompt {n}" for n in range(2500)]
    path = write_parquet(tmp_path / "p.parquet", {"prompt": prompts, "n": list(range(2500))})
    rows = list(open_source(SourceConfig(path=path, id_column="n")).rows())
    assert [row["prompt"] for row in rows] == prompts
    assert rows[7] == {"id": "7", "prompt": "prompt 7"}


def test_wrong_prompt_type_names_the_column(tmp_path: Path) -> None:
    path = write_parquet(tmp_path / "p.parquet", {"prompt": [1, 2]})
    with pytest.raises(InputError, match="column 'prompt' has type int64, expected string"):
        open_source(path)


def test_unknown_column_names_the_key(tmp_path: Path) -> None:
    path = write_parquet(tmp_path / "p.parquet", {"prompt": ["a"]})
    with pytest.raises(InputError, match=r"unknown column 'label' \(columns: prompt\)"):
        open_source(SourceConfig(path=path, columns={"label": "y"}))


def test_null_prompt_reports_its_row_number(tmp_path: Path) -> None:
    path = write_parquet(tmp_path / "p.parquet", {"prompt": ["a", None, "c"]})
    errors: list[InputError] = []
    rows = list(open_source(path).rows(on_error=errors.append))
    assert [row["prompt"] for row in rows] == ["a", "c"]
    assert errors[0].line == 2 and "missing or null column 'prompt'" in str(errors[0])


def test_dictionary_encoded_strings_are_fine(tmp_path: Path) -> None:
    table = pa.table({"prompt": pa.array(["x", "y", "x"]).dictionary_encode()})
    pq.write_table(table, tmp_path / "p.parquet")
    assert len(list(open_source(str(tmp_path / "p.parquet")).rows())) == 3


def test_zero_rows_and_garbage_fail_at_open(tmp_path: Path) -> None:
    empty = write_parquet(tmp_path / "e.parquet", {"prompt": pa.array([], pa.string())})
    with pytest.raises(InputError, match="no rows"):
        open_source(empty)
    garbage = tmp_path / "g.parquet"
    garbage.write_bytes(b"this is not parquet at all")
    with pytest.raises(InputError, match="not a readable parquet file"):
        open_source(str(garbage))
