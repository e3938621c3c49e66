"""Reading a finished run's rows: every ``RUN/data/part-*.jsonl`` / ``.parquet`` shard, in name order."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hadron.errors import InputError

SHARD_PATTERNS = ("part-*.jsonl", "part-*.parquet")


@dataclass(frozen=True, slots=True)
class LocatedRow:
    """A raw row and where it came from (line for JSONL, 1-based row number for Parquet)."""

    path: Path
    line: int
    row: dict[str, Any]


def find_shards(run_dir: Path) -> list[Path]:
    if not run_dir.is_dir():
        raise InputError(str(run_dir), "no such run directory")
    data = run_dir / "data"
    shards = sorted({path for pattern in SHARD_PATTERNS for path in data.glob(pattern)})
    if not shards:
        raise InputError(str(data), "no data shards", hint="expected part-*.jsonl or part-*.parquet; "
                         "has the run written any rows?")
    return shards


def iter_rows(shards: list[Path]) -> Iterator[LocatedRow]:
    for shard in shards:
        reader = _read_parquet if shard.suffix == ".parquet" else _read_jsonl
        yield from reader(shard)


def _read_jsonl(path: Path) -> Iterator[LocatedRow]:
    try:
        with path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as err:
                    raise InputError(str(path), f"not valid JSON: {err.msg}", line=number) from err
                if not isinstance(row, dict):
                    raise InputError(str(path), "a row must be a JSON object", line=number)
                yield LocatedRow(path, number, row)
    except UnicodeDecodeError as err:
        raise InputError(str(path), "not UTF-8 text") from err


def _read_parquet(path: Path) -> Iterator[LocatedRow]:
    import pyarrow as pa  # a core dependency

    from hadron.data.sinks.parquet import iter_parquet_rows, json_columns_of

    try:
        for number, row in enumerate(iter_parquet_rows(path, json_columns_of(path)), start=1):
            yield LocatedRow(path, number, row)
    except (OSError, pa.ArrowException) as err:
        raise InputError(str(path), f"cannot read Parquet: {err}") from err
