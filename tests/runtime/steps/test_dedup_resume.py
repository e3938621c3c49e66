"""A dedup filter in a run that is interrupted and resumed rejects the same rows as an uninterrupted run:
the rows written before the interruption are never fed to it again, so it rebuilds its seen state from
them (``Step.restore``)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from hadron.core import Row
from hadron.runtime import Pipeline
from hadron.runtime.step import Step, StepContext, StepOutput
from hadron.runtime.steps import ExactDedup, MinHashDedup

BASE = "Explain how photosynthesis turns sunlight, water and carbon dioxide into sugar and oxygen."
SOURCE = [
    {"id": "a", "prompt": "Say  hi to the people in the room"},
    {"id": "b", "prompt": BASE},
    {"id": "c", "prompt": "What is the time complexity of binary search, and why?"},
    {"id": "d", "prompt": "say hi to the people in the room "},  # repeats a
    {"id": "e", "prompt": BASE.replace("Explain", "explain ").rstrip(".") + "!"},  # nearly repeats b
]
HELD = {"c", "d", "e"}
"""Rows the first session never finishes: they arrive after the interruption."""


class Hold(Step):
    """Passes rows through; the ``held`` ones wait for ``release`` (never set in the first session)."""

    def __init__(self, held: set[str]) -> None:
        super().__init__("hold")
        self.held = held
        self.release = asyncio.Event()

    async def process(self, row: Row, ctx: StepContext) -> StepOutput:
        if row["id"] in self.held:
            await self.release.wait()
        return row


class Shout(Step):
    """A step after the filter (the output rows are the rows after every step)."""

    async def process(self, row: Row, ctx: StepContext) -> StepOutput:
        return {**row, "loud": row["prompt"].upper()}


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def read_rows(run: Path) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for shard in sorted((run / "data").glob("part-*")):
        if shard.suffix == ".parquet":
            import pyarrow.parquet as pq

            rows.extend(pq.read_table(shard).to_pylist())
        else:
            rows.extend(read_jsonl(shard))
    return rows


def output(run: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(rows sorted by id, rejects sorted by id)."""
    rows = sorted(read_rows(run), key=lambda r: r["id"])
    return rows, sorted(read_jsonl(run / "rejects.jsonl"), key=lambda r: r["id"])


def finished(run: Path) -> int:
    return sum(len(p.read_bytes().splitlines()) for p in (run / "checkpoint").glob("part-*.done.jsonl"))


async def interrupt_after(pipeline: Pipeline, run: Path, rows: int) -> None:
    """Start the run, cancel it (Ctrl-C) once ``rows`` source rows are journaled."""
    task = asyncio.create_task(pipeline.run(run, progress="off"))
    for _ in range(500):
        if (run / "checkpoint").exists() and finished(run) >= rows:
            break
        await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


FILTERS: dict[str, Callable[[], Step]] = {
    "exact": lambda: ExactDedup(fields=["prompt"], ignore_case=True),
    "minhash": lambda: MinHashDedup(fields=["prompt"], threshold=0.7),
}


@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
@pytest.mark.parametrize("kind", ["exact", "minhash"])
async def test_a_resumed_run_rejects_what_an_uninterrupted_run_rejects(tmp_path: Path, kind: str,
                                                                        fmt: str) -> None:
    def pipeline(held: set[str]) -> Pipeline:
        return Pipeline(SOURCE, [Hold(held), FILTERS[kind](), Shout("shout")], sink={"format": fmt},
                        max_in_flight=2)

    await pipeline(set()).run(tmp_path / "whole", progress="off")
    expected = output(tmp_path / "whole")
    reasons = {r["id"]: r["reason"] for r in expected[1]}
    assert reasons == ({"d": "exact_duplicate"} if kind == "exact"
                       else {"d": "near_duplicate", "e": "near_duplicate"})

    run = tmp_path / "resumed"
    await interrupt_after(pipeline(HELD), run, rows=2)
    assert sorted(r["id"] for r in output(run)[0]) == ["a", "b"]
    result = await pipeline(set()).run(run, progress="off")  # a new process: a fresh filter
    assert result.stats.rows_skipped == 2
    assert output(run) == expected
    restored = [e for e in read_jsonl(run / "log.jsonl") if e.get("event") == "restore"]
    assert restored[-1]["steps"] == {FILTERS[kind]().name: 2}


async def test_rows_of_an_earlier_session_are_read_only_for_steps_that_restore(tmp_path: Path) -> None:
    run = tmp_path / "run"
    await interrupt_after(Pipeline(SOURCE, [Hold(HELD), Shout("shout")]), run, rows=2)
    await Pipeline(SOURCE, [Hold(set()), Shout("shout")]).run(run, progress="off")
    assert not [e for e in read_jsonl(run / "log.jsonl") if e.get("event") == "restore"]
