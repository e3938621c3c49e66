"""Accepted episodes in the agentic-distillation framework's layout: ``exports/<family>/shard-NNNNN.jsonl``,
one training conversation per line (OpenAI ``messages`` plus the ``tools`` offered), next to Hadron's own
SFT exports. Only accepted rows are read, so nothing a reviewer wrote can be in them."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

SHARD_ROWS = 10_000


def write_family_shards(exports_dir: Path, rows: Iterable[dict[str, Any]]) -> dict[str, int]:
    """Write the shards (replacing earlier ones, so a resumed run rewrites them whole); rows per family."""
    by_family: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        if row.get("messages"):
            by_family.setdefault(str(row.get("family") or "unknown"), []).append(_record(row))
    for family, records in by_family.items():
        folder = exports_dir / family
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("shard-*.jsonl"):
            old.unlink()
        for number, start in enumerate(range(0, len(records), SHARD_ROWS)):
            lines = (json.dumps(r, ensure_ascii=False) + "\n" for r in records[start : start + SHARD_ROWS])
            (folder / f"shard-{number:05d}.jsonl").write_text("".join(lines), encoding="utf-8")
    return {family: len(records) for family, records in by_family.items()}


def _record(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row.get("id"),
        "scenario": row.get("scenario"),
        "family": row.get("family"),
        "difficulty": row.get("difficulty"),
        "messages": row["messages"],
        "tools": row.get("tools") or [],
    }


__all__ = ["SHARD_ROWS", "write_family_shards"]
