"""Blocks: deterministic cuts, block-named shards that replace an earlier run of the same block."""

from __future__ import annotations

from pathlib import Path

import pytest

from hadron.data.sinks import ShardInfo, SinkConfig, open_sink
from hadron.errors import InputError
from hadron.runtime.executors.blocks import BlockResult, BlockStore, cut_blocks, publish_block


def rows(count: int, start: int = 0) -> list[dict[str, str]]:
    return [{"id": f"r{i}", "prompt": f"q{i}"} for i in range(start, start + count)]


def test_blocks_are_consecutive_rows_and_their_identity_is_their_ids() -> None:
    blocks = list(cut_blocks(iter(rows(7)), 3))
    assert [[r["id"] for r in b.rows] for b in blocks] == [["r0", "r1", "r2"], ["r3", "r4", "r5"], ["r6"]]
    assert [b.index for b in blocks] == [0, 1, 2]
    again = list(cut_blocks(iter(rows(7)), 3))
    assert [b.ids_hash for b in again] == [b.ids_hash for b in blocks]
    grown = list(cut_blocks(iter(rows(8)), 3))  # the source grew: only the last block changed
    assert [b.ids_hash for b in grown[:2]] == [b.ids_hash for b in blocks[:2]]
    assert grown[2].ids_hash != blocks[2].ids_hash


def test_a_row_without_an_id_is_an_input_error() -> None:
    with pytest.raises(InputError, match="without a string `id`"):
        list(cut_blocks(iter([{"prompt": "x"}]), 3))


def _shard(directory: Path, name: str, lines: list[str]) -> ShardInfo:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).write_text("".join(f"{line}\n" for line in lines))
    return ShardInfo(name=name, rows=len(lines), bytes=0)


def test_publishing_a_block_again_replaces_all_its_shards(tmp_path: Path) -> None:
    sink = open_sink(SinkConfig(), tmp_path / "run")
    work = open_sink(SinkConfig(), tmp_path / "work")
    first = [_shard(Path(work.root), f"part-0000{i}.jsonl", [f'{{"id": "a{i}"}}']) for i in range(3)]
    publish_block(sink, 7, work, first)
    publish_block(sink, 8, work, first[:1])
    second = [_shard(Path(work.root), "part-00000.jsonl", ['{"id": "b"}'])]
    published = publish_block(sink, 7, work, second)
    assert [s.name for s in published] == ["part-b00007-00000.jsonl"]
    data = Path(sink.root)
    assert sorted(p.name for p in data.iterdir()) == ["part-b00007-00000.jsonl", "part-b00008-00000.jsonl"]
    assert (data / "part-b00007-00000.jsonl").read_text() == '{"id": "b"}\n'


def test_markers_round_trip_and_finishing_removes_the_work_dir(tmp_path: Path) -> None:
    store = BlockStore(tmp_path)
    store.work_dir(3).mkdir(parents=True)
    result = BlockResult(index=3, ids_hash="h", rows_in=2, shards=[ShardInfo(name="s", rows=2, bytes=9)],
                         errors=[{"id": "r1", "step": "answer"}])
    store.mark_done(result)
    assert not store.work_dir(3).exists()
    assert store.markers() == {3: result}
