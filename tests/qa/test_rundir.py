from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from hadron.errors import InputError
from hadron.qa.rundir import RunDir


def test_fixture_run_reads_everything(autoreason_run: Path) -> None:
    run = RunDir.open(autoreason_run)
    assert run.name == "autoreason-demo"
    assert [p.name for p in run.data_files()] == ["part-00000.jsonl", "part-00001.jsonl"]
    assert [r["id"] for r in run.iter_rows()] == [f"p{i:03d}" for i in range(6)]
    assert len(list(run.iter_log("errors"))) == 2
    assert run.manifest["hadron_version"] == "0.1.0"
    assert run.export_files()[0].name == "part-00000.jsonl"


def test_absent_files_are_fine(tmp_path: Path) -> None:
    run = RunDir.open(tmp_path)
    assert list(run.iter_rows()) == [] and list(run.iter_log("rejects")) == []
    assert run.config == {} and run.evaluation == {} and run.distill == {}


def test_not_a_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a run directory"):
        RunDir.open(tmp_path / "missing")


def test_malformed_line_names_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "part-00000.jsonl").write_text('{"id": "a"}\n{oops\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"part-00000.jsonl:2: invalid JSON"):
        list(RunDir.open(tmp_path).iter_rows())


def test_torn_last_line_of_a_log_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "errors.jsonl").write_text('{"id": "a", "step": "s"}\n{"id": "b", "st', encoding="utf-8")
    assert [r["id"] for r in RunDir.open(tmp_path).iter_log("errors")] == ["a"]


def test_parquet_shards(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    table = pa.table({"id": ["a", "b"], "prompt": ["x", "y"]})
    pq.write_table(table, tmp_path / "data" / "part-00000.parquet")
    assert [r["id"] for r in RunDir.open(tmp_path).iter_rows()] == ["a", "b"]
