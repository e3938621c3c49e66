"""Sinks: sharded JSONL (default) or Parquet, each shard published atomically, plus the manifest.

Adding a format: one ``ShardSink`` subclass and one line in ``SINKS``.
"""

from __future__ import annotations

from pathlib import Path

from hadron.data.sinks.base import ShardInfo, ShardSink, SinkConfig
from hadron.data.sinks.jsonl import JsonlSink
from hadron.data.sinks.manifest import Manifest
from hadron.data.sinks.parquet import ParquetSink

SINKS: dict[str, type[ShardSink]] = {cls.format: cls for cls in (JsonlSink, ParquetSink)}


def open_sink(config: SinkConfig, run_dir: Path) -> ShardSink:
    return SINKS[config.format](config, run_dir)


__all__ = ["SINKS", "JsonlSink", "Manifest", "ParquetSink", "ShardInfo", "ShardSink", "SinkConfig",
           "open_sink"]
