"""The ``GEPAAdapter`` that lets gepa 0.1.4 optimize the student prompt. Nothing else lives here.

The candidate has one component (``instructions``): the student's system prompt. ``evaluate`` runs the
student on a batch and returns per-example agreement, per-field ``objective_scores`` and, when asked,
the attempts as trajectories; ``make_reflective_dataset`` turns those into Inputs / Generated Outputs /
Feedback records for the reflection model. A failed parse is a 0 with its error in the feedback, never a
raise; only an unreachable model (``LLMError``) raises, which gepa propagates (``raise_on_exception``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from gepa.core.adapter import EvaluationBatch, ProposalFn

from hadron.core import canonical_json
from hadron.distill.bridge import LoopBridge
from hadron.distill.gold import GoldRecord
from hadron.distill.student import Student, StudentAnswer, render_input

COMPONENT = "instructions"
"""Name of the single prompt component GEPA evolves."""

MAX_RAW_CHARS = 1500


class DistillAdapter:
    """``GEPAAdapter[GoldRecord, StudentAnswer, Any]`` over a ``Student``."""

    propose_new_texts: ProposalFn | None = None
    """gepa's default proposer writes the new prompts, with the reflection model we pass to it."""

    def __init__(self, student: Student, bridge: LoopBridge, *, component: str = COMPONENT) -> None:
        self.student = student
        self.bridge = bridge
        self.component = component
        self.seen_ids: set[str] = set()
        """Every gold id gepa asked about: lets tests prove the holdout never reached the optimizer."""
        self.metric_calls = 0

    def evaluate(self, batch: list[GoldRecord], candidate: dict[str, str],
                 capture_traces: bool = False) -> EvaluationBatch[StudentAnswer, Any]:
        self.seen_ids.update(record.id for record in batch)
        answers = self.bridge.run(self.student.answer_all(candidate[self.component], batch))
        self.metric_calls += len(batch)
        fields = [dict(answer.agreement.fields) for answer in answers]
        return EvaluationBatch(
            outputs=[answer.predicted for answer in answers],
            scores=[answer.agreement.score for answer in answers],
            trajectories=list(answers) if capture_traces else None,
            objective_scores=fields if fields and all(fields) else None,
        )

    def make_reflective_dataset(self, candidate: dict[str, str],
                                eval_batch: EvaluationBatch[StudentAnswer, Any],
                                components_to_update: list[str]) -> Mapping[str, Sequence[Mapping[str, Any]]]:
        records = [reflective_record(answer) for answer in eval_batch.trajectories or []]
        return {name: records for name in components_to_update}


def reflective_record(answer: StudentAnswer) -> dict[str, Any]:
    """One example as the reflection model sees it."""
    if answer.error is not None:
        raw = answer.raw if len(answer.raw) <= MAX_RAW_CHARS else answer.raw[:MAX_RAW_CHARS] + " [...]"
        output = raw or "(empty answer)"
    else:
        output = canonical_json(answer.predicted)
    return {"Inputs": {"input": render_input(answer.record.input)},
            "Generated Outputs": output,
            "Feedback": feedback(answer)}


def feedback(answer: StudentAnswer) -> str:
    """Name every wrong field with its gold value; say plainly when all is right."""
    agreement = answer.agreement
    gold = canonical_json(answer.record.label)
    if answer.error is not None:
        return f"Score 0.00. The answer could not be parsed: {answer.error}. The correct label is {gold}."
    if agreement.score >= 1.0:
        return "Score 1.00. Correct: the answer matches the gold label."
    if agreement.notes:
        return f"Score {agreement.score:.2f}. Wrong: " + "; ".join(agreement.notes) + "."
    return f"Score {agreement.score:.2f}. The correct label is {gold}."
