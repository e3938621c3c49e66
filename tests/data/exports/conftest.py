"""A finished run built from the hand-written fixture rows (two shards, like the runtime writes them)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
GOLDEN = Path(__file__).parent / "golden"


def fixture_rows() -> list[dict]:
    lines = (FIXTURES / "rows.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def make_run(root: Path, rows: list[dict], *, shard_size: int = 2) -> Path:
    """RUN/data/part-0000N.jsonl shards plus a manifest, as the runtime leaves a finished run."""
    data = root / "data"
    data.mkdir(parents=True)
    for start in range(0, len(rows), shard_size):
        shard = data / f"part-{start // shard_size:05d}.jsonl"
        shard.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n"
                                 for row in rows[start:start + shard_size]), encoding="utf-8")
    (root / "manifest.json").write_text(json.dumps({"rows": len(rows)}), encoding="utf-8")
    return root


@pytest.fixture
def rows() -> list[dict]:
    return fixture_rows()


@pytest.fixture
def run_dir(tmp_path: Path, rows: list[dict]) -> Path:
    return make_run(tmp_path / "run", rows)
