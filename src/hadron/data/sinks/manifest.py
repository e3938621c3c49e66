"""``RUN/manifest.json``: what a run directory holds, rewritten atomically after every session."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from hadron.data.sinks.base import ShardInfo


class Manifest(BaseModel):
    hadron_version: str
    created: str
    updated: str
    config_hash: str
    """Hash of the resolved steps and output format (not the source: refreshing with more input is fine)."""
    format: str
    data: str
    """Where the shards are: ``data`` (the run directory's own ``data/``), or the sink's path or URL."""
    rows: int
    shards: list[ShardInfo]
    columns: dict[str, list[str]]
    """Union over shards: column -> JSON types."""
    errors: int
    """Rows (or fan-out children) that failed; see errors.jsonl."""
    input_errors: int
    rejected: dict[str, int]
    """Reject records by reason; see rejects.jsonl."""
    source: dict[str, Any]
    complete: bool
    """True when the last session read the whole source (not interrupted, not stopped by an error)."""

    @staticmethod
    def merge_columns(shards: list[ShardInfo]) -> dict[str, list[str]]:
        merged: dict[str, set[str]] = {}
        for shard in shards:
            for name, types in shard.columns.items():
                merged.setdefault(name, set()).update(types)
        return {name: sorted(types) for name, types in merged.items()}
