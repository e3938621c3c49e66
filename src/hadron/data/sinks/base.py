"""Sharded output: where shards go, what one shard holds, and how a shard is published atomically.

The runtime journals finished rows to a local JSONL file per shard (``RUN/checkpoint``); when the shard
is full (or the run ends) a sink turns that journal into the final file and publishes it in one step:
a rename on a local disk, a single PUT on an object store (fsspec). A shard that exists is complete.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from hadron.data.sinks.files import fsync_dir, fsync_file
from hadron.errors import ConfigError

DATA_DIR = "data"
"""The shards' folder inside a run directory when the sink has no ``path`` (``runtime.rundir`` names it)."""


class SinkConfig(BaseModel):
    """Output format and sharding (the ``sink:`` section of a pipeline)."""

    model_config = ConfigDict(extra="forbid")

    format: Literal["jsonl", "parquet"] = "jsonl"
    shard_rows: int = Field(default=10_000, gt=0)
    """Rows per shard; the last shard of a session may hold fewer."""
    path: str | None = None
    """Where shards go: a local directory or an fsspec URL (``s3://bucket/prefix``). Default
    ``RUN/data``. Journals and checkpoints always stay in the local run directory."""
    storage_options: dict[str, Any] = Field(default_factory=dict)
    """Passed to fsspec for a URL ``path`` (endpoint_url, key, ...)."""


class ShardInfo(BaseModel):
    """One published shard, as the manifest lists it."""

    name: str
    rows: int
    bytes: int
    columns: dict[str, list[str]] = {}
    """Column -> the JSON types seen in it (``string``, ``integer``, ``number``, ``boolean``, ``array``,
    ``object``, ``null``)."""
    json_columns: list[str] = []
    """Parquet only: columns with mixed types, stored as JSON text."""


_JSON_TYPES = {str: "string", bool: "boolean", int: "integer", float: "number", list: "array",
               dict: "object", type(None): "null"}


def column_types(rows_path: Path) -> tuple[int, dict[str, list[str]]]:
    """Count the rows of a JSONL journal and the JSON types of each column."""
    seen: dict[str, set[str]] = {}
    count = 0
    with open(rows_path, "rb") as handle:
        for line in handle:
            row = json.loads(line)
            count += 1
            for key, value in row.items():
                seen.setdefault(key, set()).add(_JSON_TYPES.get(type(value), "string"))
    return count, {key: sorted(types) for key, types in seen.items()}


class ShardSink:
    """Base class: subclasses set ``format``/``suffix`` and write ``encode``."""

    format: ClassVar[str] = ""
    suffix: ClassVar[str] = ""

    def __init__(self, config: SinkConfig, run_dir: Path) -> None:
        import fsspec
        from fsspec.implementations.local import LocalFileSystem

        self.config = config
        self.url = config.path or str(run_dir / DATA_DIR)
        try:
            self.fs, self.root = fsspec.core.url_to_fs(self.url, **config.storage_options)
        except (ImportError, ValueError) as exc:
            raise ConfigError(f"sink path {self.url}: {exc}",
                              hint="install the fsspec backend it names, e.g. pip install s3fs") from exc
        self.local = isinstance(self.fs, LocalFileSystem)

    def shard_name(self, index: int) -> str:
        return f"part-{index:05d}{self.suffix}"

    def shard_path(self, index: int) -> str:
        return f"{self.root.rstrip('/')}/{self.shard_name(index)}"

    def exists(self, index: int) -> bool:
        return bool(self.fs.exists(self.shard_path(index)))

    def encode(self, rows_path: Path, index: int) -> tuple[Path, ShardInfo]:
        """Turn the journal into a local file in the final format (may be the journal itself)."""
        raise NotImplementedError

    def read(self, info: ShardInfo) -> Iterator[dict[str, Any]]:
        """The rows of a published shard, in order (what a resumed run hands ``Step.restore``)."""
        raise NotImplementedError

    def publish(self, local: Path, index: int) -> None:
        """Move the encoded file into place in one atomic step."""
        fsync_file(local)
        dest = self.shard_path(index)
        if self.local:
            Path(self.root).mkdir(parents=True, exist_ok=True)
            os.replace(local, dest)
            fsync_dir(Path(self.root))
        else:
            self.fs.put_file(str(local), dest)
            local.unlink()

    def put_text(self, name: str, text: str) -> None:
        """A small side file (the manifest copy) next to the shards; local runs use atomic writes."""
        from hadron.data.sinks.files import atomic_write_text

        if self.local:
            atomic_write_text(Path(self.root) / name, text)
        else:
            self.fs.pipe_file(f"{self.root.rstrip('/')}/{name}", text.encode())
