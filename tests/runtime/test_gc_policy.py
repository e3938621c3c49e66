"""A run collects cyclic garbage less often, and leaves the process's GC settings as it found them."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest

from hadron.core import Row
from hadron.runtime.gc_policy import RUN_THRESHOLD, collect_less_often
from hadron.runtime.pipeline import Pipeline
from hadron.runtime.step import Step, StepContext, StepOutput


@pytest.fixture
def default_threshold() -> Iterator[None]:
    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield
    gc.set_threshold(*before)


class SeesThreshold(Step):
    kind: ClassVar[str] = "sees_threshold"
    seen: ClassVar[list[int]] = []

    async def process(self, row: Row, ctx: StepContext) -> StepOutput:
        self.seen.append(gc.get_threshold()[0])
        return row


def test_the_threshold_is_raised_then_restored(default_threshold: None) -> None:
    with collect_less_often():
        assert gc.get_threshold() == (RUN_THRESHOLD, 10, 10)
    assert gc.get_threshold() == (700, 10, 10)


def test_a_higher_threshold_already_set_is_kept(default_threshold: None) -> None:
    gc.set_threshold(50_000, 20, 20)
    with collect_less_often():
        assert gc.get_threshold() == (50_000, 20, 20)
    assert gc.get_threshold() == (50_000, 20, 20)


async def test_a_pipeline_runs_with_it_and_restores_it(default_threshold: None, tmp_path: Path) -> None:
    rows: list[dict[str, Any]] = [{"id": f"r{i}", "prompt": f"p{i}"} for i in range(3)]
    SeesThreshold.seen.clear()
    await Pipeline(rows, [SeesThreshold()]).run(tmp_path / "run", progress="off")
    assert SeesThreshold.seen == [RUN_THRESHOLD] * 3
    assert gc.get_threshold() == (700, 10, 10)
