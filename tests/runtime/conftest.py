"""Helpers for runtime tests: scripted models registered per test, prompt files, reading a run's output."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from hadron.data.sources import SourceConfig
from hadron.testing import ScriptedBackend, register_scripted, unregister_scripted

Script = Callable[[Any], str]
_names = itertools.count()


@pytest.fixture
def script() -> Iterator[Callable[[Any], str]]:
    """``spec = script(fn)`` registers ``fn`` as a scripted model for this test and returns its spec."""
    names: list[str] = []

    def register(fn: Any) -> str:
        name = f"rt{next(_names)}"
        names.append(name)
        register_scripted(name, fn)
        return f"scripted:{name}"

    yield register
    for name in names:
        unregister_scripted(name)


@pytest.fixture
def backend() -> Iterator[Callable[[Any], tuple[str, ScriptedBackend]]]:
    """Like ``script`` but also returns the backend, whose ``calls`` record every request."""
    names: list[str] = []

    def register(fn: Any) -> tuple[str, ScriptedBackend]:
        name = f"rtb{next(_names)}"
        names.append(name)
        return f"scripted:{name}", register_scripted(name, fn)

    yield register
    for name in names:
        unregister_scripted(name)


def write_prompts(path: Path, count: int, *, start: int = 0) -> Path:
    with open(path, "a", encoding="utf-8") as handle:
        for i in range(start, start + count):
            handle.write(json.dumps({"id": f"r{i}", "prompt": f"question {i}"}) + "\n")
    return path


def source_of(path: Path) -> SourceConfig:
    """A JSONL source that takes row ids from the file's ``id`` column."""
    return SourceConfig(path=str(path), id_column="id")


def read_rows(run_dir: Path) -> list[dict[str, Any]]:
    """Every output row of a run, from its published shards (JSONL or Parquet)."""
    rows: list[dict[str, Any]] = []
    for shard in sorted((run_dir / "data").glob("part-*")):
        if shard.suffix == ".parquet":
            import pyarrow.parquet as pq

            rows.extend(pq.read_table(shard).to_pylist())
        else:
            rows.extend(json.loads(line) for line in shard.read_text().splitlines())
    return rows


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
