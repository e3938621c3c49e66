"""Shards written to ``s3://`` (a real S3-compatible server, moto, on 127.0.0.1): published whole, read
back on resume, and no credential in the run directory."""

from __future__ import annotations

import asyncio
import io
import json
from pathlib import Path
from typing import Any

import pytest

from hadron.runtime import Pipeline
from hadron.runtime.steps.passthrough import Passthrough


def rows(count: int) -> list[dict[str, Any]]:
    return [{"id": f"r{n}", "prompt": f"prompt {n}", "score": n} for n in range(count)]


def bucket_rows(s3: dict[str, Any], prefix: str, fmt: str) -> dict[str, list[dict[str, Any]]]:
    listed = s3["client"].list_objects_v2(Bucket="prompts", Prefix=prefix).get("Contents", [])
    shards: dict[str, list[dict[str, Any]]] = {}
    for item in sorted(listed, key=lambda entry: entry["Key"]):
        if not item["Key"].rsplit("/", 1)[-1].startswith("part-"):
            continue
        body = s3["client"].get_object(Bucket="prompts", Key=item["Key"])["Body"].read()
        if fmt == "jsonl":
            shards[item["Key"]] = [json.loads(line) for line in body.decode().splitlines()]
        else:
            import pyarrow.parquet as pq

            shards[item["Key"]] = pq.read_table(io.BytesIO(body)).to_pylist()
    return shards


def run(source: list[dict[str, Any]], out: Path, sink: dict[str, Any]) -> Any:
    pipeline = Pipeline(source=source, steps=[Passthrough("copy")], sink=sink)
    return asyncio.run(pipeline.run(out, progress="off"))


@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_shards_go_to_the_bucket_and_a_resumed_run_adds_only_new_rows(s3: dict[str, Any], tmp_path: Path,
                                                                      fmt: str) -> None:
    sink = {"format": fmt, "shard_rows": 2, "path": f"s3://prompts/runs/{fmt}",
            "storage_options": s3["options"]}
    first = run(rows(5), tmp_path / "run", sink)
    assert first.manifest.rows == 5
    shards = bucket_rows(s3, f"runs/{fmt}/", fmt)
    assert list(shards) == [f"runs/{fmt}/part-{n:05d}.{fmt}" for n in range(3)]
    assert [row["id"] for part in shards.values() for row in part] == [f"r{n}" for n in range(5)]
    manifest = s3["client"].get_object(Bucket="prompts", Key=f"runs/{fmt}/manifest.json")["Body"].read()
    assert json.loads(manifest)["rows"] == 5  # the data folder describes itself

    again = run(rows(8), tmp_path / "run", sink)  # resume: the five written rows are not redone
    assert again.manifest.rows == 8 and again.stats.rows_skipped == 5
    shards = bucket_rows(s3, f"runs/{fmt}/", fmt)
    ids = [row["id"] for part in shards.values() for row in part]
    assert sorted(ids) == sorted(f"r{n}" for n in range(8)) and len(ids) == 8
    assert not (tmp_path / "run" / "data").exists()  # nothing local but the journal

    written = "".join(p.read_text(errors="replace") for p in (tmp_path / "run").rglob("*") if p.is_file())
    assert "testing" not in written  # the credentials stay out of config.yaml, manifest and logs
