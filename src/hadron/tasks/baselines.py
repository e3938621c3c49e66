"""Baselines with the tournament's row shape: ``single_shot`` and ``best_of_n``.

``single_shot`` is the teacher's first answer. ``best_of_n`` samples the teacher N times and lets the
same blind judge panel pick one by Borda count (ties to the lower sample index). Sample 0 is the very
request the tournament's teacher makes, so with a shared cache the baselines reuse its answer.

Each is a task (``SINGLE_SHOT``, ``BEST_OF_N`` at the end) that reads its rows with the AutoReason row
view and extractors; neither has a command of its own (``step: single_shot`` in a pipeline).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from hadron.core import Row
from hadron.core.conversation import transcript
from hadron.runtime.step import Step, StepContext, StepOutput
from hadron.runtime.task import CardText, Task
from hadron.tasks.autoreason.borda import borda, decide, is_void
from hadron.tasks.autoreason.config import JudgeConfig, ModelSpec, RoleConfig, spec_name
from hadron.tasks.autoreason.errors import EmptyDraft
from hadron.tasks.autoreason.exports import EXTRACTORS
from hadron.tasks.autoreason.judging import JudgePanel
from hadron.tasks.autoreason.records import FinalSource, MethodColumns, SamplingPass
from hadron.tasks.autoreason.roles import Ledger, RoleCall, has_text
from hadron.tasks.autoreason.step import OUTPUT_COLUMNS
from hadron.tasks.autoreason.summary import TournamentStats
from hadron.tasks.autoreason.task import CITATION, TEXT_COLUMNS
from hadron.tasks.autoreason.tournament import (
    Prompt,
    as_conversation,
    first_draft,
    prompt_inputs,
    row_conversation,
)
from hadron.tasks.autoreason.view import RunRow

if TYPE_CHECKING:
    from hadron.llm import ModelHub


class SingleShotConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model: ModelSpec = "local"
    teacher: RoleConfig = Field(default_factory=RoleConfig)

    def teacher_call(self, hub: ModelHub) -> RoleCall:
        spec = self.teacher.model if self.teacher.model is not None else self.model
        return RoleCall.build("teacher", hub.get(spec), self.teacher, template="teacher.j2")

    def settings(self) -> dict[str, Any]:
        spec = self.teacher.model if self.teacher.model is not None else self.model
        return {"models": {"teacher": spec_name(spec)}, "temperatures": {"teacher": self.teacher.temperature},
                "max_tokens": {"teacher": self.teacher.max_tokens}}


class BestOfNConfig(SingleShotConfig):
    n: int = Field(default=4, ge=2, le=99)
    """Teacher samples to choose from."""
    n_judges: int = Field(default=3, ge=1, le=99)
    judge: JudgeConfig = Field(default_factory=JudgeConfig)

    def judge_models(self) -> list[ModelSpec]:
        panel = self.judge.models or [self.judge.model if self.judge.model is not None else self.model]
        return [panel[i % len(panel)] for i in range(self.n_judges)]

    def judge_panel(self, hub: ModelHub) -> JudgePanel:
        return JudgePanel.build([hub.get(spec) for spec in self.judge_models()], self.judge)

    def settings(self) -> dict[str, Any]:
        settings = super().settings()
        settings["models"]["judges"] = [spec_name(m) for m in self.judge_models()]
        settings["temperatures"]["judge"] = self.judge.temperature
        settings["max_tokens"]["judge"] = self.judge.max_tokens
        return {"n": self.n, "n_judges": self.n_judges, "ballot": self.judge.ballot,
                "max_reasks": self.judge.max_reasks, "partial_ballots": self.judge.partial_ballots,
                "design": self.judge.design, "consistency": self.judge.consistency,
                "tie_order": [str(i) for i in range(self.n)], **settings}


async def single_shot(prompt: Prompt, row_id: str, hub: ModelHub,
                      config: SingleShotConfig | None = None, *, teacher: RoleCall | None = None,
                      ) -> MethodColumns:
    """``teacher``: the role already bound (a step binds it once in ``setup``, not per row)."""
    config = config or SingleShotConfig()
    prompt = as_conversation(prompt)
    ledger = Ledger()
    draft = await first_draft(teacher or config.teacher_call(hub), ledger, prompt, row_id)
    return MethodColumns(
        method="single_shot", generation=draft.text.strip(),
        final_source=FinalSource(candidate="A", pass_=0), converged=True, passes=0,
        settings=config.settings(), truncated=draft.truncated, reasoning=ledger.reasoning,
        usage=ledger.usage_records())


async def best_of_n(prompt: Prompt, row_id: str, hub: ModelHub,
                    config: BestOfNConfig | None = None, *, teacher: RoleCall | None = None,
                    panel: JudgePanel | None = None) -> MethodColumns:
    """``teacher`` and ``panel``: the roles already bound (a step binds them once in ``setup``)."""
    config = config or BestOfNConfig()
    conversation = as_conversation(prompt)
    ledger = Ledger()
    teacher = teacher or config.teacher_call(hub)
    completions = await asyncio.gather(*(
        teacher(ledger, row_id=row_id, pass_index=0, sample_index=i, index=i, turns=conversation,
                accept=has_text)
        for i in range(config.n)))
    samples = [c.text.strip() for c in completions]
    if not any(samples):
        raise EmptyDraft(f"the teacher returned {config.n} empty answers")
    panel = panel or config.judge_panel(hub)
    names = [str(i) for i in range(config.n)]
    ballots = await panel.vote(ledger, prompt=transcript(conversation),
                               candidates=dict(zip(names, samples, strict=True)), row_id=row_id, pass_index=1,
                               incumbent=names[0])  # ties keep the first sample
    rankings = [b.ranking for b in ballots if b.valid and b.ranking is not None]
    scores = borda(rankings, names)
    eligible = [name for name, text in zip(names, samples, strict=True) if text]
    void = is_void(len(rankings), len(ballots))
    if void:
        winner, margin = eligible[0], None
    else:
        decision = decide(scores, incumbent=None, tie_order=names, eligible=eligible)
        winner, margin = decision.winner, decision.margin
    record = SamplingPass(pass_=1, incumbent=None, samples=samples, ballots=ballots, borda=scores,
                          winner=winner, margin=margin, void=void)
    return MethodColumns(
        method="best_of_n", generation=samples[int(winner)],
        final_source=FinalSource(candidate="sample", pass_=0, index=int(winner)), converged=not void,
        passes=1, settings=config.settings(), truncated=completions[int(winner)].truncated,
        trace=[record], reasoning=ledger.reasoning,
        usage=ledger.usage_records())


class SingleShot(Step):
    """``step: single_shot``: the teacher's first answer, in the AutoReason row shape."""

    kind: ClassVar[str] = "single_shot"

    class Options(SingleShotConfig):
        input: str = "prompt"

    def __init__(self, name: str | None = None, **options: Any) -> None:
        self.options = self.Options(**options)
        super().__init__(name, inputs=prompt_inputs(self.options.input), outputs=OUTPUT_COLUMNS)
        self._teacher: RoleCall | None = None

    @classmethod
    def from_options(cls, name: str, options: BaseModel) -> SingleShot:
        return cls(name, **options.model_dump())

    async def setup(self, models: ModelHub) -> None:
        self._teacher = self.options.teacher_call(models)

    async def process(self, row: Row, ctx: StepContext) -> StepOutput:
        result = await single_shot(row_conversation(row, self.options.input), ctx.row_id, ctx.models,
                                   self.options, teacher=self._teacher)
        return {**row, **result.to_columns()}

    def config(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, **self.options.model_dump(mode="json")}


class BestOfN(Step):
    """``step: best_of_n``: N teacher samples, the judge panel picks one."""

    kind: ClassVar[str] = "best_of_n"

    class Options(BestOfNConfig):
        input: str = "prompt"

    def __init__(self, name: str | None = None, **options: Any) -> None:
        self.options = self.Options(**options)
        super().__init__(name, inputs=prompt_inputs(self.options.input), outputs=OUTPUT_COLUMNS)
        self._teacher: RoleCall | None = None
        self._panel: JudgePanel | None = None

    @classmethod
    def from_options(cls, name: str, options: BaseModel) -> BestOfN:
        return cls(name, **options.model_dump())

    async def setup(self, models: ModelHub) -> None:
        self._teacher = self.options.teacher_call(models)
        self._panel = self.options.judge_panel(models)

    async def process(self, row: Row, ctx: StepContext) -> StepOutput:
        result = await best_of_n(row_conversation(row, self.options.input), ctx.row_id, ctx.models,
                                 self.options, teacher=self._teacher, panel=self._panel)
        return {**row, **result.to_columns()}

    def config(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, **self.options.model_dump(mode="json")}


__all__ = ["BestOfN", "BestOfNConfig", "SingleShot", "SingleShotConfig", "best_of_n", "single_shot"]


def unrefined_stats() -> TournamentStats:
    """The tournament's numbers for rows that neither converge nor run passes."""
    return TournamentStats(refines=False)


SINGLE_SHOT = Task(
    name="single_shot", step=SingleShot, row_model=RunRow, records=EXTRACTORS,
    card=CardText("Single-shot baseline", "Teacher answers, one call per prompt (baseline).",
                  "Each prompt was answered once by the teacher, with no refinement.",
                  ("text-generation",), ("baseline",), CITATION),
    report_view="tournament", text_columns=TEXT_COLUMNS, stats=unrefined_stats)
BEST_OF_N = Task(
    name="best_of_n", step=BestOfN, row_model=RunRow, records=EXTRACTORS,
    card=CardText("Best-of-n baseline", "Best of n teacher samples, picked by a judge panel.",
                  "The teacher sampled n answers; a panel of judges ranked them blind (Borda count) and the "
                  "best was kept.", ("text-generation",), ("best-of-n",), CITATION, preference=True),
    report_view="tournament", text_columns=TEXT_COLUMNS, stats=unrefined_stats)
