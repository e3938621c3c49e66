"""One scenario variant → an accepted training conversation, or a rejection with its reason.

Round 0 plays the episode. When the trace is invalid or the verdict rejects it, the next round either
replays the episode from the same opening with the feedback as a hidden hint (``rerun``) or rewrites only
the final answer (``revise_answer``, when the trace itself was valid). Neither the feedback nor the
reviewer's turns ever enter the saved conversation, and an attempt whose assistant turns repeat hidden
text (the goal, the checks, the feedback: ``leaks.py``) is rejected as ``leak`` before it is judged.
After ``max_rounds`` refinements the last attempt's reason is the verdict.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from hadron.core import stable_hash
from hadron.prompts import load_template, render
from hadron.tasks.agentic.config import AgenticConfig
from hadron.tasks.agentic.leaks import find_leaks
from hadron.tasks.agentic.loop import AgentLoop, hint_text, to_text_protocol
from hadron.tasks.agentic.review import Reviewer, Verdict, gate
from hadron.tasks.agentic.trace import Episode, Trace, TraceError, Turn, build_trace

if TYPE_CHECKING:
    from hadron.llm import ChatModel
    from hadron.tasks.agentic.scenario import Scenario

TASK = "agentic"


@dataclass(slots=True)
class Attempt:
    round: int
    mode: str
    """``play``, ``rerun`` or ``revise_answer``."""
    stop_reason: str
    reasons: list[str]
    score: float | None = None
    feedback: str = ""
    served_by: list[str] = field(default_factory=list)
    note: str = ""
    """Why the episode stopped early, when it did (``no final answer within 12 assistant turns``)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "round": self.round,
            "mode": self.mode,
            "stop_reason": self.stop_reason,
            "reasons": self.reasons,
            "score": self.score,
            "feedback": self.feedback,
            "served_by": self.served_by,
            "note": self.note,
        }


@dataclass(slots=True)
class Result:
    episode: Episode
    attempts: list[Attempt]
    trace: Trace | None = None
    verdict: Verdict | None = None

    @property
    def accepted(self) -> bool:
        return self.trace is not None and self.verdict is not None and self.verdict.accepted

    @property
    def reason(self) -> str:
        """The reject reason: the last attempt's first reason."""
        return self.attempts[-1].reasons[0] if self.attempts and self.attempts[-1].reasons else "accepted"


class Refiner:
    def __init__(self, loop: AgentLoop, reviewer: Reviewer | None, config: AgenticConfig) -> None:
        self.loop = loop
        self.reviewer = reviewer
        self.config = config

    @property
    def teacher(self) -> ChatModel:
        return self.loop.teacher

    async def produce(self, scenario: Scenario, *, route_key: str) -> Result:
        review = self.config.review
        rounds = 1 + (review.max_rounds if review.enabled else 0)
        tools = [spec.openai() for spec in scenario.tool_specs()]
        attempts: list[Attempt] = []
        feedback: str | None = None
        hidden: list[str] = [scenario.goal, scenario.persona]
        opening: str | None = None
        last: tuple[Episode, Trace] | None = None
        result: Result | None = None
        for round_index in range(rounds):
            if feedback:
                hidden.append(hint_text(feedback))
            if round_index and review.refine == "revise_answer" and last is not None:
                mode = "revise_answer"
                episode = await self._revise(last[0], feedback or "", tools, route_key, round_index)
            else:
                mode = "play" if round_index == 0 else "rerun"
                episode = await self.loop.run(
                    scenario, route_key=route_key, attempt=round_index, feedback=feedback, opening=opening
                )
            opening = opening or _opening(episode)
            attempt = Attempt(
                round_index,
                mode,
                episode.stop_reason,
                [],
                served_by=_distinct(episode.served_by),
                note=episode.note,
            )
            attempts.append(attempt)
            try:
                trace = build_trace(episode, tools, invalid_calls=self.config.loop.invalid_calls)
            except TraceError as err:
                attempt.reasons = [err.reason]
                attempt.feedback = feedback = _trace_feedback(err)
                result = Result(episode, attempts)
                last = None
                continue
            hidden.extend(f"{check.description} {check.detail}" for check in episode.checks)
            leaks = find_leaks(trace.messages, hidden)
            if leaks:
                attempt.reasons = ["leak"]
                attempt.note = "; ".join(leaks[:5])
                attempt.feedback = feedback = (
                    "- Your replies used details the user never said and no tool returned. Use only what "
                    "the user told you and what your tools showed; ask the user for anything else."
                )
                result = Result(episode, attempts)
                last = None
                continue
            verdict = await self._judge(scenario, trace, episode, route_key, round_index)
            attempt.reasons, attempt.score, attempt.feedback = (
                verdict.reasons,
                verdict.score,
                verdict.feedback,
            )
            result = Result(episode, attempts, trace, verdict)
            if verdict.accepted:
                return result
            feedback = verdict.feedback or feedback
            last = (episode, trace)
        assert result is not None
        return result

    async def _judge(
        self, scenario: Scenario, trace: Trace, episode: Episode, route_key: str, round_index: int
    ) -> Verdict:
        if self.reviewer is None or not self.config.review.enabled:
            return gate(scenario, trace.messages, episode.checks, self.config.review)
        return await self.reviewer.review(
            scenario, trace.messages, episode.checks, route_key=route_key, round_index=round_index
        )

    async def _revise(
        self, episode: Episode, feedback: str, tools: list[dict[str, Any]], route_key: str, round_index: int
    ) -> Episode:
        """The same episode with its last assistant answer rewritten to address ``feedback``."""
        messages = episode.messages
        native = self.loop.native()
        body = messages if native else [messages[0], *to_text_protocol(messages[1:])]
        ask = render(load_template("revise_answer.j2", task=TASK), feedback=feedback)
        completion = await self.teacher.chat(
            [*body, {"role": "user", "content": ask}],
            role="reviser",
            route_key=route_key,
            temperature=self.config.loop.temperature,
            max_tokens=self.config.loop.max_tokens,
            seed=stable_hash("reviser", route_key, round_index) % 2**31,
            tools=tools if native and tools else None,
            tool_choice="none" if native and tools else None,
        )
        text = completion.text.strip()
        if not text:
            return replace(episode, stop_reason="empty_reply", note="the revised answer was empty")
        turns = list(episode.turns)
        turns[-1] = Turn({"role": "assistant", "content": text}, completion.reasoning)
        served = [*episode.served_by[:-1], completion.served_by or completion.model]
        return replace(episode, turns=turns, served_by=served)


def _opening(episode: Episode) -> str | None:
    """The first user message of an episode (what the simulated user opened with)."""
    return next((t.message.get("content") for t in episode.turns if t.message.get("role") == "user"), None)


def _trace_feedback(err: TraceError) -> str:
    if err.reason == "turn_cap":
        return (
            "- You used every allowed turn without giving a final answer. Call fewer tools and answer sooner."
        )
    if err.reason == "empty_reply":
        return "- You replied with nothing. Always answer the user in plain text when you are done."
    return "- The earlier attempt was unusable: " + "; ".join(err.problems[:5])


def _distinct(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


__all__ = ["Attempt", "Refiner", "Result"]
