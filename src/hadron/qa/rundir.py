"""A run directory as QA reads it: the runtime's ``RunDir`` (layout, rows, errors, rejects, manifest,
stats) plus what QA and distillation add to it, ``eval.json`` from ``hadron eval`` and a ``hadron
distill`` output folder (``result.json``, ``candidates.jsonl``). Absent files read as empty; rows are
streamed, never loaded all at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from hadron.errors import InputError
from hadron.runtime import rundir
from hadron.runtime.rundir import RecordKind, read_json, read_jsonl, read_shard

Row = dict[str, Any]

DATA_PATTERNS = ("*.jsonl", "*.jsonl.gz", "*.parquet")
EVAL = "eval.json"
DISTILL_RESULT = "result.json"
DISTILL_CANDIDATES = "candidates.jsonl"


def iter_records(path: Path) -> Iterator[Row]:
    """Rows of one data file, by extension."""
    return (located.row for located in read_shard(path))


class RunDir(rundir.RunDir):
    """A run directory and its small metadata files, read once by ``open``."""

    def __init__(self, path: str | Path, *, config: dict[str, Any] | None = None,
                 manifest: dict[str, Any] | None = None, stats: dict[str, Any] | None = None,
                 evaluation: dict[str, Any] | None = None, distill: dict[str, Any] | None = None) -> None:
        super().__init__(path)
        self.config = config or {}
        self.manifest = manifest or {}
        self.stats = stats or {}
        self.evaluation = evaluation or {}
        self.distill = distill or {}
        """``result.json`` of a ``hadron distill`` run (empty for other runs)."""

    @classmethod
    def open(cls, path: str | Path) -> RunDir:
        files = rundir.RunDir(path)
        if not files.path.is_dir():
            raise InputError(str(files.path), "not a run directory (expected a folder with data/ inside)")
        result = read_json(files.path / DISTILL_RESULT)
        return cls(files.path, config=files.read_config(), manifest=files.read_manifest(),
                   stats=files.read_stats(), evaluation=read_json(files.path / EVAL),
                   distill=result if "gate" in result else {})

    @property
    def name(self) -> str:
        return str(self.config.get("name") or self.manifest.get("name") or self.path.resolve().name)

    def data_files(self) -> list[Path]:
        """Data shards in name order (``part-00000`` before ``part-00001``)."""
        return self.shards()

    def export_files(self) -> list[Path]:
        folder = self.exports_dir
        if not folder.is_dir():
            return []
        return sorted(p for pattern in DATA_PATTERNS for p in folder.rglob(pattern) if p.is_file())

    def iter_rows(self) -> Iterator[Row]:
        return (located.row for located in self.rows())

    def iter_candidates(self) -> Iterator[Row]:
        """Prompt candidates of a distill run, in discovery order."""
        path = self.path / DISTILL_CANDIDATES
        if self.distill and path.is_file():
            yield from (located.row for located in read_jsonl(path))

    def iter_log(self, kind: RecordKind) -> Iterator[Row]:
        """``errors`` or ``rejects`` records; nothing when the file is absent."""
        return self.records(kind)

    def has(self, relative: str) -> bool:
        return (self.path / relative).exists()
