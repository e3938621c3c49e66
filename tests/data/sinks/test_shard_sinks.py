"""Shard sinks: atomic publish, column types, Parquet edge cases, object-store URLs via fsspec."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import fsspec
import pyarrow.parquet as pq
import pytest

from hadron.data.sinks import JsonlSink, ParquetSink, SinkConfig, open_sink
from hadron.data.sinks.base import column_types
from hadron.errors import ConfigError


def journal(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


ROWS = [{"id": "a", "n": 1, "tags": ["x"], "meta": {}}, {"id": "b", "n": 2.5, "extra": None}]


def test_column_types(tmp_path: Path) -> None:
    count, columns = column_types(journal(tmp_path / "j.jsonl", ROWS))
    assert count == 2
    assert columns == {"id": ["string"], "n": ["integer", "number"], "tags": ["array"], "meta": ["object"],
                       "extra": ["null"]}


def test_jsonl_publish_is_a_rename(tmp_path: Path) -> None:
    sink = open_sink(SinkConfig(), tmp_path)
    assert isinstance(sink, JsonlSink) and not sink.exists(0)
    src = journal(tmp_path / "j.jsonl", ROWS)
    content = src.read_bytes()
    local, info = sink.encode(src, 0)
    sink.publish(local, 0)
    assert not src.exists() and sink.exists(0)
    assert (tmp_path / "data" / "part-00000.jsonl").read_bytes() == content
    assert (info.name, info.rows, info.bytes) == ("part-00000.jsonl", 2, len(content))


def test_parquet_keeps_every_column_and_stores_mixed_types_as_json(tmp_path: Path) -> None:
    rows = [{"id": "a", "v": 1, "empty": {}}, {"id": "b", "v": "two", "late": True, "empty": {}}]
    sink = open_sink(SinkConfig(format="parquet"), tmp_path)
    assert isinstance(sink, ParquetSink)
    src = journal(tmp_path / "j.jsonl", rows)
    local, info = sink.encode(src, 3)
    sink.publish(local, 3)
    table = pq.read_table(tmp_path / "data" / "part-00003.parquet")
    assert table.column_names == ["id", "v", "empty", "late"]
    assert table.to_pylist() == [{"id": "a", "v": "1", "empty": "{}", "late": None},
                                 {"id": "b", "v": '"two"', "empty": "{}", "late": True}]
    assert info.json_columns == ["v", "empty"] and info.rows == 2


def test_object_store_url_through_fsspec(tmp_path: Path) -> None:
    sink = open_sink(SinkConfig(path="memory://bucket/out"), tmp_path)
    assert not sink.local
    local, _ = sink.encode(journal(tmp_path / "j.jsonl", ROWS), 0)
    sink.publish(local, 0)
    sink.put_text("manifest.json", "{}")
    fs = fsspec.filesystem("memory")
    assert fs.cat("/bucket/out/part-00000.jsonl").decode().count("\n") == 2
    assert fs.cat("/bucket/out/manifest.json") == b"{}" and sink.exists(0) and not local.exists()


def test_unknown_url_scheme_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="sink path nosuch://x"):
        open_sink(SinkConfig(path="nosuch://x"), tmp_path)


async def test_every_reader_of_a_parquet_run_decodes_its_json_columns(tmp_path: Path) -> None:
    """A mixed-type column is stored as JSON text; the exports and the report read the original values
    back (the manifest names the JSON columns), as ``ParquetSink.read`` does for a resumed run."""
    from hadron.qa.rundir import RunDir
    from hadron.runtime.pipeline import Pipeline
    from hadron.runtime.steps import Passthrough

    rows = [{"id": "a", "prompt": "p", "extra": 1}, {"id": "b", "prompt": "q", "extra": "two"}]
    run = tmp_path / "run"
    await Pipeline(rows, [Passthrough("keep")], sink={"format": "parquet"}).run(run, progress="off")
    assert [r.row["extra"] for r in RunDir(run).rows()] == [1, "two"]
    assert [r["extra"] for r in RunDir.open(run).iter_rows()] == [1, "two"]
