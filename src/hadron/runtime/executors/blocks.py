"""Blocks: how a Ray run cuts its input, names its shards and remembers finished work.

A block is ``block_rows`` consecutive source rows (block ``k`` holds rows ``k*block_rows`` up to the
next block), so the same source always gives the same blocks. Its identity is a hash of its row ids:
a block whose rows changed since it was finished (the source changed) is run again, and since a block's
shards are named after it (``part-b00007-00000.jsonl``) the new run replaces them. Every row therefore
appears in exactly one block's shards, once.

Under ``RUN/checkpoint/blocks/``:

- ``b00007/``: the block's work directory while it runs: an ordinary run directory (journal,
  checkpoint, scratch shards) that a retried task resumes row by row;
- ``b00007.done.json``: the ``BlockMarker`` the driver writes when the block's shards are published;
  a rerun skips the block. The work directory is then removed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from hadron.core import Row
from hadron.data.sinks import ShardInfo, ShardSink
from hadron.data.sinks.files import atomic_write_text, fsync_dir
from hadron.errors import InputError
from hadron.runtime.rundir import RunDir


@dataclass(slots=True)
class Block:
    index: int
    rows: list[Row]
    ids_hash: str


def block_name(index: int) -> str:
    return f"b{index:05d}"


def ids_hash(rows: list[Row]) -> str:
    digest = hashlib.blake2b(digest_size=16)
    for row in rows:
        digest.update(str(row["id"]).encode())
        digest.update(b"\n")
    return digest.hexdigest()


def cut_blocks(rows: Iterator[Row], block_rows: int) -> Iterator[Block]:
    """Consecutive runs of ``block_rows`` source rows, numbered from 0 (the last may be shorter)."""
    index = 0
    chunk: list[Row] = []
    for row in rows:
        row_id = row.get("id")
        if not isinstance(row_id, str) or not row_id:
            raise InputError("source", f"row without a string `id`: {str(row)[:80]}",
                             hint="sources give every row an id; check the source's id_column")
        chunk.append(row)
        if len(chunk) == block_rows:
            yield Block(index, chunk, ids_hash(chunk))
            index += 1
            chunk = []
    if chunk:
        yield Block(index, chunk, ids_hash(chunk))


class BlockResult(BaseModel):
    """What a finished block reports to the driver; saved as its done marker."""

    index: int
    ids_hash: str
    rows_in: int
    """Source rows in the block."""
    shards: list[ShardInfo]
    errors: list[dict[str, Any]] = Field(default_factory=list)
    """Error records of the block's rows (the lines of errors.jsonl)."""
    rejects: list[dict[str, Any]] = Field(default_factory=list)
    stats: dict[str, Any] = Field(default_factory=dict)
    """The block's ``RunStats`` (summed over its attempts' sessions) with model tallies under ``models``."""
    worker: str = ""
    """Node and process that finished it (for the log)."""


class BlockStore:
    """Done markers and work directories of one run directory."""

    def __init__(self, out_dir: Path) -> None:
        self.dir = RunDir(out_dir).blocks_dir

    def work_dir(self, index: int) -> Path:
        return self.dir / block_name(index)

    def marker_path(self, index: int) -> Path:
        return self.dir / f"{block_name(index)}.done.json"

    def markers(self) -> dict[int, BlockResult]:
        found: dict[int, BlockResult] = {}
        if not self.dir.is_dir():
            return found
        for path in sorted(self.dir.glob("b*.done.json")):
            result = BlockResult.model_validate_json(path.read_text())
            found[result.index] = result
        return found

    def mark_done(self, result: BlockResult) -> None:
        """Record the block as finished, then drop its work directory (its shards are published)."""
        atomic_write_text(self.marker_path(result.index), result.model_dump_json())
        shutil.rmtree(self.work_dir(result.index), ignore_errors=True)

    def read_block_rows(self) -> int | None:
        """The block size this run directory was cut with (kept by the process-pool executor, so a
        resume with another worker count cuts the same blocks), or None."""
        path = self.dir / "layout.json"
        return int(json.loads(path.read_text())["block_rows"]) if path.is_file() else None

    def write_block_rows(self, block_rows: int) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        atomic_write_text(self.dir / "layout.json", json.dumps({"block_rows": block_rows}))

    def clean_finished(self, done: dict[int, BlockResult]) -> None:
        """Work directories left behind by a driver that died between a marker and its cleanup."""
        if self.dir.is_dir():
            for index in done:
                shutil.rmtree(self.work_dir(index), ignore_errors=True)


def shard_name(sink: ShardSink, block: int, part: int) -> str:
    return f"part-{block_name(block)}-{part:05d}{sink.suffix}"


def publish_block(sink: ShardSink, block: int, work_sink: ShardSink,
                  shards: list[ShardInfo]) -> list[ShardInfo]:
    """Put the block's finished shards (in its work directory) in place under block-named files, each in
    one atomic step, and delete this block's shards from an earlier run of it that are not replaced.

    The work directory keeps its files (a retried task may still need them); on a local disk the
    published file is a hard link, so nothing is copied.
    """
    published: list[ShardInfo] = []
    for part, info in enumerate(shards):
        name = shard_name(sink, block, part)
        source = Path(work_sink.root) / info.name
        dest = f"{sink.root.rstrip('/')}/{name}"
        if sink.local:
            _link_into_place(source, Path(dest))
        else:
            sink.fs.put_file(str(source), dest)
        published.append(info.model_copy(update={"name": name}))
    keep = {info.name for info in published}
    pattern = f"{sink.root.rstrip('/')}/part-{block_name(block)}-*{sink.suffix}"
    for stale in sink.fs.glob(pattern):
        if Path(stale).name not in keep:
            sink.fs.rm(stale)
    return published


def _link_into_place(source: Path, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.tmp-{os.getpid()}")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    try:
        os.link(source, tmp)
    except OSError:  # another filesystem, or no hard links: copy
        shutil.copyfile(source, tmp)
    os.replace(tmp, dest)
    tmp.unlink(missing_ok=True)  # rename does nothing when both names are links to one file already
    fsync_dir(dest.parent)
