"""What the roles answer (``Attack``, ``Verdict``), what a round leaves behind, and the output row.

An output row holds the question with its reference answer and explanation, the domain and skill, the
judge's verdicts (hops, reasoning quality and level), the defender's answer, the tool evidence, the
novelty score, and ``messages``: the question and the explained answer as a training conversation, so
the exports module writes SFT records from it unchanged. Column names avoid the AutoReason ones
(``prompt``, ``generation``, ``trace``, ``reasoning``) that the exports read with another meaning.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from hadron.llm import Tally

if TYPE_CHECKING:
    from hadron.tasks.nanoflux.verify import Verification

Reason = Literal["attack_unparseable", "judge_unparseable", "invalid_question", "defender_succeeded",
                 "hops_out_of_band", "level_out_of_band", "not_verified", "too_similar", "budget_reached"]
"""Why a candidate was not kept (the ``reason`` of its line in ``rejects.jsonl``)."""

REASONS: tuple[Reason, ...] = ("attack_unparseable", "judge_unparseable", "invalid_question",
                               "defender_succeeded", "hops_out_of_band", "level_out_of_band",
                               "not_verified", "too_similar", "budget_reached")


def _clip(limit: int) -> Any:
    """Cut an over-long text after validation (a ``max_length`` in the schema would blow up
    llama.cpp's grammar for constrained decoding)."""
    return AfterValidator(lambda text: text if len(text) <= limit else text[:limit])


class Attack(BaseModel):
    """The attacker's question, its worked explanation, and the reference answer."""

    question: Annotated[str, _clip(4000)] = Field(min_length=10)
    explanation: Annotated[str, _clip(6000)] = Field(min_length=1)
    answer: Annotated[str, _clip(500)] = Field(min_length=1)


class Verdict(BaseModel):
    """The judge's structured verdict on one round."""

    valid: bool
    """Well-posed, one correct answer, and the reference answer and explanation are right."""
    defender_correct: bool
    defender_struggled: bool = False
    """The defender's reasoning had real errors, guesses or contradictions (even if it ended right)."""
    reasoning_quality: int = Field(ge=1, le=5)
    """How much genuine multi-step reasoning the question demands (1 recall ... 5 deep)."""
    hops: int = Field(ge=0, le=50)
    """Distinct reasoning steps needed to reach the answer."""
    notes: Annotated[str, _clip(1000)] = ""


class ToolEvidence(BaseModel):
    """One tool call the judge made and what came back."""

    model_config = ConfigDict(extra="forbid")

    tool: str
    protocol: Literal["native", "text"]
    call_id: str
    arguments: dict[str, Any]
    output: str
    error_kind: str | None = None
    seconds: float = 0.0


@dataclass(frozen=True, slots=True)
class RoundPlan:
    """Which domain, skill and round, and which model plays which role in it."""

    domain: str
    skill: str
    index: int
    attacker_model: str
    defender_model: str

    @property
    def id(self) -> str:
        return f"{self.domain}/r{self.index:05d}"


@dataclass(slots=True)
class Judged:
    """What the judge phase produced: a verdict or the reason there is none, and the evidence."""

    verdict: Verdict | None
    model: str
    asks: int = 1
    error: str | None = None
    raw: str = ""
    """The last verdict reply (the one parsed, or the last one that failed)."""
    assessment: str = ""
    """The judge's written assessment from the tool phase (empty without tools)."""
    evidence: list[ToolEvidence] = field(default_factory=list)


@dataclass(slots=True)
class Candidate:
    """Everything one round produced before curation."""

    plan: RoundPlan
    attack: Attack | None
    attack_error: str | None = None
    defense: str = ""
    defender_answer: str = ""
    judged: Judged | None = None
    verification: Verification | None = None
    """Whether the judge's tool runs reproduced the reference answer (``verify.py``)."""
    usage: dict[str, Tally] = field(default_factory=dict)

    def add_usage(self, role: str, tally: Tally) -> None:
        self.usage[role] = self.usage.get(role, Tally()) + tally


def defender_final_answer(text: str) -> str:
    """The defender's final answer: its last ``ANSWER:`` line, else its last non-empty line."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    for line in reversed(lines):
        head, sep, tail = line.partition(":")
        if sep and head.strip().strip("*#").strip().lower() in ("answer", "final answer"):
            return tail.strip().strip("*").strip()
    return lines[-1] if lines else ""


def training_messages(attack: Attack) -> list[dict[str, str]]:
    """The question and its explained answer as one SFT conversation."""
    answer = f"{attack.explanation.strip()}\n\nAnswer: {attack.answer.strip()}"
    return [{"role": "user", "content": attack.question.strip()}, {"role": "assistant", "content": answer}]


__all__ = [
    "REASONS",
    "Attack",
    "Candidate",
    "Judged",
    "Reason",
    "RoundPlan",
    "ToolEvidence",
    "Verdict",
    "defender_final_answer",
    "training_messages",
]
