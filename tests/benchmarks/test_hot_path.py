"""Per-row work that the single-shot benchmark's profile shows, pinned so it cannot creep back."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import hadron.prompts
from hadron.runtime.pipeline import Pipeline
from hadron.tasks.baselines import SingleShot
from hadron.testing import register_scripted, unregister_scripted


@pytest.fixture
def teacher() -> Iterator[str]:
    register_scripted("hot-path-teacher", lambda request: "an answer")
    yield "scripted:hot-path-teacher"
    unregister_scripted("hot-path-teacher")


async def test_single_shot_reads_its_template_once(teacher: str, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    reads: list[str] = []
    original = hadron.prompts.packaged_template_text

    def counting(name: str, *, task: str) -> str:
        reads.append(name)
        return original(name, task=task)

    monkeypatch.setattr(hadron.prompts, "packaged_template_text", counting)
    rows = [{"id": f"r{i}", "prompt": f"question {i}"} for i in range(20)]
    result = await Pipeline(rows, [SingleShot("answer", model=teacher)]).run(tmp_path / "run", progress="off")
    assert result.rows == 20
    assert len(reads) <= 1
