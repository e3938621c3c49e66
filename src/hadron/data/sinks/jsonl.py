"""Sharded JSONL: the journal already is the shard, so publishing is a rename."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

from hadron.data.sinks.base import ShardInfo, ShardSink, column_types


class JsonlSink(ShardSink):
    format: ClassVar[str] = "jsonl"
    suffix: ClassVar[str] = ".jsonl"

    def encode(self, rows_path: Path, index: int) -> tuple[Path, ShardInfo]:
        rows, columns = column_types(rows_path)
        return rows_path, ShardInfo(name=self.shard_name(index), rows=rows, bytes=rows_path.stat().st_size,
                                    columns=columns)

    def read(self, info: ShardInfo) -> Iterator[dict[str, Any]]:
        with self.fs.open(f"{self.root.rstrip('/')}/{info.name}", "rb") as handle:
            for line in handle:
                if line.strip():
                    yield json.loads(line)
