"""The reviewer: scores an episode against its scenario's rubric and decides whether it is accepted.

The reviewer model answers with structured output (per-item scores, a total, feedback, needs_revision)
through ``chat_json``. It is shown facts it cannot get wrong: the success checks on the final state and
the language detector's findings. The verdict is ours, not the model's: the weighted rubric score must
reach the threshold, the reviewer must not ask for a revision, the language policy must hold, and (by
default) the success checks must pass. Whatever failed becomes the feedback for the next round.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, Field, create_model

from hadron.core import stable_hash
from hadron.prompts import load_template, render
from hadron.tasks.agentic.config import ReviewConfig
from hadron.tasks.agentic.language import LanguageReport, check_messages

if TYPE_CHECKING:
    from hadron.llm import ChatModel
    from hadron.tasks.agentic.envs.base import Check
    from hadron.tasks.agentic.scenario import Scenario

TASK = "agentic"
MAX_RESULT_CHARS = 1500


class ItemScore(BaseModel):
    item: str
    score: float = Field(ge=0, le=10)
    comment: str = Field(default="", max_length=400)
    """Bounded so that schema-constrained decoding cannot ramble past the token budget."""


class Review(BaseModel):
    """The reviewer's structured answer."""

    scores: list[ItemScore]
    total: float = Field(ge=0, le=10)
    feedback: str = Field(default="", max_length=2000)
    needs_revision: bool


@dataclass(slots=True)
class Verdict:
    accepted: bool
    score: float | None
    """Weighted rubric score in [0, 1] (None without a usable review)."""
    reasons: list[str] = field(default_factory=list)
    """Reject reasons, most important first: review_unparseable, task_failed, language, review_failed."""
    feedback: str = ""
    review: Review | None = None
    language: LanguageReport = field(default_factory=LanguageReport)
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "accepted": self.accepted,
            "score": self.score,
            "reasons": self.reasons,
            "feedback": self.feedback,
            "review": self.review.model_dump() if self.review else None,
            "error": self.error,
            "language": [m.to_dict() for m in self.language.messages],
            "language_violations": self.language.violations,
        }


@lru_cache(maxsize=64)
def review_schema(items: tuple[str, ...]) -> type[Review]:
    """``Review`` narrowed to one scenario's rubric: item ids from the rubric, one score per item, so
    schema-constrained decoding cannot wander (weak models otherwise list items forever)."""
    item_type: Any = Literal[items]
    item_score = create_model(
        "RubricScore", __base__=ItemScore, item=(item_type, ...), score=(int, Field(ge=0, le=10))
    )
    scores: Any = Annotated[list[item_score], Field(min_length=len(items), max_length=len(items))]  # type: ignore[valid-type]
    return create_model("Review", __base__=Review, scores=(scores, ...))


def weighted_score(scenario: Scenario, review: Review) -> float:
    """Σ weight·score / Σ weight, scaled to [0, 1]; a rubric item the reviewer skipped scores 0."""
    given = {item.item: item.score for item in review.scores}
    total = sum(item.weight for item in scenario.rubric)
    return round(sum(item.weight * given.get(item.id, 0.0) for item in scenario.rubric) / (10 * total), 4)


def gate(
    scenario: Scenario,
    messages: list[dict[str, Any]],
    checks: list[Check],
    config: ReviewConfig,
    review: Review | None = None,
    error: str | None = None,
) -> Verdict:
    """The acceptance decision from the facts and, when reviewing, the review."""
    language = check_messages(messages, scenario.language)
    failed = [check for check in checks if not check.ok]
    reasons: list[str] = []
    notes: list[str] = []
    score = weighted_score(scenario, review) if review is not None else None
    if config.enabled and review is None:
        reasons.append("review_unparseable")
    if failed and config.require_success:
        reasons.append("task_failed")
        notes.extend(
            f"The task is not done: {c.description} ({c.detail})."
            if c.detail
            else f"The task is not done: {c.description}."
            for c in failed
        )
    if not language.ok:
        reasons.append("language")
        notes.append(f"Language policy ({scenario.language.summary()}): " + "; ".join(language.violations))
    if review is not None and (score is None or score < config.threshold or review.needs_revision):
        reasons.append("review_failed")
        low = [f"{s.item} {s.score:g}/10: {s.comment}" for s in review.scores if s.score < 6 and s.comment]
        notes.extend([review.feedback.strip(), *low])
    feedback = "\n".join(f"- {note}" for note in notes if note)
    return Verdict(
        accepted=not reasons,
        score=score,
        reasons=reasons,
        feedback=feedback,
        review=review,
        language=language,
        error=error,
    )


class Reviewer:
    def __init__(self, model: ChatModel, config: ReviewConfig, *, guidance: str = "") -> None:
        self.model = model
        self.config = config
        self.guidance = guidance.strip()

    async def review(
        self,
        scenario: Scenario,
        messages: list[dict[str, Any]],
        checks: list[Check],
        *,
        route_key: str,
        round_index: int,
    ) -> Verdict:
        language = check_messages(messages, scenario.language)
        prompt = render(
            load_template("reviewer.j2", task=TASK),
            environment=scenario.environment,
            goal=scenario.goal,
            checks=checks,
            language_policy=scenario.language.summary(),
            language_violations=language.violations,
            transcript=transcript(messages),
            rubric=scenario.rubric,
            guidance=self.guidance,
        )
        structured = await self.model.chat_json(
            [{"role": "user", "content": prompt}],
            review_schema(tuple(item.id for item in scenario.rubric)),
            max_reasks=self.config.max_reasks,
            role="reviewer",
            route_key=route_key,
            temperature=self.config.temperature,
            max_tokens=self.config.max_tokens,
            seed=stable_hash("reviewer", route_key, round_index) % 2**31,
        )
        return gate(scenario, messages, checks, self.config, structured.value, structured.error)


def transcript(messages: list[dict[str, Any]]) -> str:
    """The conversation as the reviewer reads it (system prompt left out: it is in the scenario part)."""
    lines = []
    for message in messages:
        role = message["role"]
        if role == "system":
            continue
        if role == "tool":
            content = message["content"]
            if len(content) > MAX_RESULT_CHARS:
                content = content[:MAX_RESULT_CHARS] + " ...[cut]"
            lines.append(f"TOOL RESULT ({message.get('name')}):\n{content}")
            continue
        if message.get("content"):
            lines.append(f"{role.upper()}:\n{message['content']}")
        for call in message.get("tool_calls") or []:
            function = call["function"]
            arguments = function["arguments"]
            shown = arguments if isinstance(arguments, str) else json.dumps(arguments, ensure_ascii=False)
            lines.append(f"ASSISTANT CALLS {function['name']}({shown})")
    return "\n\n".join(lines)


__all__ = [
    "ItemScore",
    "Review",
    "Reviewer",
    "Verdict",
    "gate",
    "review_schema",
    "transcript",
    "weighted_score",
]
