"""Read a run directory, tolerating whatever is absent.

Layout written by the runtime: ``config.yaml``, ``manifest.json``, ``data/part-*.jsonl`` (or
``.parquet``, or ``.jsonl.gz``), ``errors.jsonl``, ``rejects.jsonl``, ``stats.json``, ``exports/``, and
``eval.json`` from ``hadron eval``. A ``hadron distill`` output folder (``result.json``,
``candidates.jsonl``) is read too. Rows are streamed, never loaded all at once. A malformed line names
``file:line``; the only line skipped is an unterminated last line of an append-only log (a torn write
from a killed process).
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from hadron.errors import InputError

Row = dict[str, Any]

DATA_PATTERNS = ("*.jsonl", "*.jsonl.gz", "*.parquet")
LOG_FILES = {"errors": "errors.jsonl", "rejects": "rejects.jsonl"}


def iter_jsonl(path: Path, *, allow_torn_tail: bool = False) -> Iterator[Row]:
    """Yield one dict per non-blank line of a JSONL (optionally gzipped) file."""
    opener = gzip.open if path.name.endswith(".gz") else open
    try:
        with opener(path, "rt", encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    value = json.loads(line)
                except json.JSONDecodeError as err:
                    if allow_torn_tail and not line.endswith("\n"):
                        return
                    raise InputError(str(path), f"invalid JSON ({err.msg})", line=number) from None
                if not isinstance(value, dict):
                    raise InputError(str(path), "expected a JSON object per line", line=number)
                yield value
    except UnicodeDecodeError as err:
        raise InputError(str(path), f"not UTF-8 text ({err.reason})") from None
    except OSError as err:
        raise InputError(str(path), f"cannot read ({err.strerror or err})") from None


def iter_parquet(path: Path) -> Iterator[Row]:
    from hadron.data.sinks.parquet import iter_parquet_rows, json_columns_of

    try:
        yield from iter_parquet_rows(path, json_columns_of(path))
    except (OSError, ValueError) as err:  # pyarrow raises ArrowInvalid (a ValueError) on bad files
        raise InputError(str(path), f"cannot read Parquet ({err})") from None


def iter_records(path: Path) -> Iterator[Row]:
    """Rows of one data file, by extension."""
    if path.suffix == ".parquet":
        return iter_parquet(path)
    return iter_jsonl(path)


def _read_json(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise InputError(str(path), f"cannot read JSON ({err})") from None
    return value if isinstance(value, dict) else {"value": value}


def _read_yaml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        value = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as err:
        raise InputError(str(path), f"cannot read YAML ({err})") from None
    return value if isinstance(value, dict) else {}


@dataclass(slots=True)
class RunDir:
    """A run directory on local disk and its small metadata files (large files are streamed)."""

    path: Path
    config: dict[str, Any] = field(default_factory=dict)
    manifest: dict[str, Any] = field(default_factory=dict)
    stats: dict[str, Any] = field(default_factory=dict)
    evaluation: dict[str, Any] = field(default_factory=dict)
    distill: dict[str, Any] = field(default_factory=dict)
    """``result.json`` of a ``hadron distill`` run (empty for other runs)."""

    @classmethod
    def open(cls, path: str | Path) -> RunDir:
        root = Path(path)
        if not root.is_dir():
            raise InputError(str(root), "not a run directory (expected a folder with data/ inside)")
        result = _read_json(root / "result.json")
        return cls(path=root, config=_read_yaml(root / "config.yaml"),
                   manifest=_read_json(root / "manifest.json"), stats=_read_json(root / "stats.json"),
                   evaluation=_read_json(root / "eval.json"), distill=result if "gate" in result else {})

    @property
    def name(self) -> str:
        return str(self.config.get("name") or self.manifest.get("name") or self.path.resolve().name)

    def data_files(self) -> list[Path]:
        """Data shards in name order (``part-00000`` before ``part-00001``)."""
        folder = self.path / "data"
        if not folder.is_dir():
            return []
        found = {p for pattern in DATA_PATTERNS for p in folder.glob(pattern) if p.is_file()}
        return sorted(found)

    def export_files(self) -> list[Path]:
        folder = self.path / "exports"
        if not folder.is_dir():
            return []
        return sorted(p for pattern in DATA_PATTERNS for p in folder.rglob(pattern) if p.is_file())

    def iter_rows(self) -> Iterator[Row]:
        for path in self.data_files():
            yield from iter_records(path)

    def iter_candidates(self) -> Iterator[Row]:
        """Prompt candidates of a distill run, in discovery order."""
        path = self.path / "candidates.jsonl"
        if self.distill and path.is_file():
            yield from iter_jsonl(path)

    def iter_log(self, kind: str) -> Iterator[Row]:
        """``errors`` or ``rejects`` records; nothing when the file is absent."""
        path = self.path / LOG_FILES[kind]
        if path.is_file():
            yield from iter_jsonl(path, allow_torn_tail=True)

    def has(self, relative: str) -> bool:
        return (self.path / relative).exists()
