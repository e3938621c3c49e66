"""Proof of the task contract: a task defined here, in one file, with one registration line, runs
through the real runtime and gets its exports, report and dataset card, with no edit to ``data/``,
``qa/`` or ``cli/``.

The task ("flip"): each prompt becomes a question whose right answer is the prompt reversed; the row
keeps a wrong answer too, so the task offers SFT conversations and DPO pairs but no CoT or critic
records.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import ClassVar

import pytest
from pydantic import BaseModel, ConfigDict

from hadron.core import Row
from hadron.data.exports import Conversation, Extraction, Message, PairScores, Preference
from hadron.qa import write_dataset_card, write_report
from hadron.qa.card import parse_card
from hadron.qa.report import collect
from hadron.qa.rundir import RunDir
from hadron.runtime import registry as step_registry
from hadron.runtime import task as task_registry
from hadron.runtime.export import export_finished, export_run
from hadron.runtime.pipeline import Pipeline
from hadron.runtime.step import Step, StepContext, StepOutput
from hadron.runtime.task import CardText, RunRequest, Task, TaskResult, get_task, register_task


class FlipStep(Step):
    kind: ClassVar[str] = "flip"

    def __init__(self, name: str | None = None) -> None:
        super().__init__(name, inputs=("prompt",), outputs=("question", "answer", "wrong", "shape"))

    async def process(self, row: Row, ctx: StepContext) -> StepOutput:
        text = str(row["prompt"])
        return {**row, "question": f"Reverse: {text}", "answer": text[::-1], "wrong": text,
                "shape": "palindrome" if text == text[::-1] else "plain"}


class FlipRow(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str
    question: str
    answer: str
    wrong: str


def sft(row: FlipRow) -> Extraction[Conversation]:
    messages = [Message(role="user", content=row.question), Message(role="assistant", content=row.answer)]
    return Extraction([Conversation(row_id=row.id, messages=messages)])


def dpo(row: FlipRow) -> Extraction[Preference]:
    out: Extraction[Preference] = Extraction()
    if row.answer == row.wrong:
        return out.skip("palindrome")
    out.records.append(Preference(
        row_id=row.id, prompt=[Message(role="user", content=row.question)],
        chosen=[Message(role="assistant", content=row.answer)],
        rejected=[Message(role="assistant", content=row.wrong)],
        scores=PairScores(0, "right", "wrong", {"right": 1, "wrong": 0})))
    return out


async def run_flip(request: RunRequest) -> TaskResult:
    pipeline = Pipeline(source=request.source, steps=[FlipStep()])
    result = await pipeline.run(request.out, progress=request.progress)
    exports = export_finished(request.out, result.rows, TASK.formats)
    return TaskResult(request.out, result, exports, summary={"rows": result.rows})


TASK = Task(
    name="flip", step=FlipStep, row_model=FlipRow, records={"sft": sft, "dpo": dpo},
    card=CardText("Flip distillation", "Prompts reversed by a flipper.", "Each prompt was reversed.",
                  ("text-generation",), ("flip-test",), "- Flip, A. *Reversing things.* 2026."),
    report_view="plain", text_columns=frozenset({"wrong"}), run=run_flip,
    formats=("sft-trl", "dpo-trl"))

PROMPTS = [{"id": "p1", "prompt": "abc"}, {"id": "p2", "prompt": "level"}, {"id": "p3", "prompt": "hadron"}]


@pytest.fixture
def registered(monkeypatch: pytest.MonkeyPatch) -> Task:
    """Register the task for this test only."""
    monkeypatch.setattr(task_registry, "_tasks", dict(task_registry._tasks))
    monkeypatch.setattr(step_registry, "_registered", dict(step_registry._registered))
    return register_task(TASK)  # the one registration line a new task needs


def test_a_task_defined_outside_hadron_runs_exports_reports_and_cards(registered: Task,
                                                                       tmp_path: Path) -> None:
    out = tmp_path / "run"
    task = get_task("flip")
    assert task is registered and task.run is not None
    done = asyncio.run(task.run(RunRequest(settings=None, out=out, source=PROMPTS, progress="off")))

    # exports: the task's own formats after its run, from its own extractors
    assert {name: stats.written for name, stats in done.exports.items()} == {"sft-trl": 3, "dpo-trl": 2}
    assert dict(done.exports["dpo-trl"].skipped) == {"palindrome": 1}
    first = json.loads((out / "exports" / "sft.trl.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert first["messages"][-1] == {"role": "assistant", "content": "cba"}
    # a kind the task does not make: an empty file, every row counted as skipped
    every = export_run(out, "all", tmp_path / "all")
    assert every["cot"].written == 0 and dict(every["cot"].skipped) == {"no_cot": 3}

    # the run's saved config names the step, and that is how QA finds the task again
    assert task_registry.task_of_run(RunDir.open(out).config) is TASK

    # dataset card: the task's text, tags and citation
    header, body = parse_card(write_dataset_card(out, force=True).read_text(encoding="utf-8"))
    assert "flip-test" in header["tags"]
    assert "**Method: Flip distillation.** Each prompt was reversed." in body
    assert body.index("*Reversing things.*") < body.index("Other methods implemented in Hadron")

    # report: the task's view for its rows, and its text columns left out of the breakdowns
    page = write_report(out).read_text(encoding="utf-8")
    assert '"view": "plain"' in page and "Reverse: hadron" in page
    summary, _ = collect(RunDir.open(out))
    assert "shape" in summary.categories and "wrong" not in summary.categories


def test_rows_name_their_task_before_the_runs(registered: Task) -> None:
    autoreason = get_task("autoreason")
    assert autoreason is not None and autoreason.step.kind == "autoreason"
    assert task_registry.task_of_row({"method": "flip"}, autoreason) is TASK
    assert task_registry.task_of_row({"id": "x"}, TASK) is TASK
    assert task_registry.task_of_row({"method": "not-a-task"}) is None
    assert get_task("hadron.tasks.autoreason.task:TASK") is None  # row text never imports code
    assert {"agentic", "autoreason", "best_of_n", "flip", "nanoflux", "single_shot"} <= {
        t.name for t in task_registry.known_tasks()}


def test_a_task_whose_step_has_another_kind_is_refused() -> None:
    from hadron.errors import ConfigError

    with pytest.raises(ConfigError, match="its step's kind is 'flip'"):
        register_task(Task(name="flop", step=FlipStep, row_model=FlipRow, records={},
                           card=TASK.card))

