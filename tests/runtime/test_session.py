"""The session hands ``Step.restore`` the rows earlier sessions wrote, once, before the first new row,
and only to the steps that override it."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from hadron.core import Row
from hadron.runtime import Pipeline
from hadron.runtime.step import Step, StepContext, StepOutput, restores
from hadron.runtime.steps import Passthrough


class Remembers(Step):
    """Tags each row; records what ``restore`` got and what happened in which order."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.events: list[str] = []
        self.restored: list[Row] = []

    async def restore(self, rows: Iterable[Row]) -> int:
        self.restored = list(rows)
        self.events.append("restore")
        return len(self.restored)

    async def process(self, row: Row, ctx: StepContext) -> StepOutput:
        self.events.append(f"process {row['id']}")
        return {**row, "tag": f"seen by {self.name}"}


def restore_events(run: Path) -> list[dict[str, object]]:
    lines = (run / "log.jsonl").read_text().splitlines()
    return [event for event in map(json.loads, lines) if event.get("event") == "restore"]


def test_restores_tells_which_steps_override_the_hook() -> None:
    assert restores(Remembers("r")) and not restores(Passthrough())


async def test_a_resumed_session_restores_before_the_first_new_row(tmp_path: Path) -> None:
    source = [{"id": "a", "prompt": "x"}, {"id": "b", "prompt": "y"}]
    first = Remembers("remember")
    await Pipeline(source, [first, Passthrough("after")], sink={"shard_rows": 1}).run(
        tmp_path / "run", progress="off")
    assert first.events == ["process a", "process b"]  # a new run: nothing to restore
    assert restore_events(tmp_path / "run") == []

    again = Remembers("remember")
    more = [*source, {"id": "c", "prompt": "z"}]
    await Pipeline(more, [again, Passthrough("after")], sink={"shard_rows": 1}).run(
        tmp_path / "run", progress="off")
    assert again.events == ["restore", "process c"]
    assert again.restored == [{"id": "a", "prompt": "x", "tag": "seen by remember"},
                              {"id": "b", "prompt": "y", "tag": "seen by remember"}]
    (event,) = restore_events(tmp_path / "run")
    assert event["rows"] == 2 and event["steps"] == {"remember": 2}
