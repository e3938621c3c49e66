"""Episodes and the training conversations made from them.

An ``Episode`` is what happened: every turn (with the model's rationale kept beside the visible text,
never inside it), every tool call with its result, and why it stopped. ``build_trace`` turns it into the
conversation that is saved and checks the invariants first: every tool call has exactly one result,
call ids are unique, every call names an offered tool with arguments that validate against its schema,
and the conversation ends on an assistant answer. A broken episode raises ``TraceError`` with a reason
(``turn_cap``, ``invalid_calls``, ...), which becomes the reject reason.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from pydantic import ValidationError

from hadron.data.exports.records import Conversation
from hadron.tasks.agentic.envs.base import Check, validation_problem

STOP_REASONS = ("answered", "user_done", "turn_cap", "empty_reply", "model_rejected")
"""Why an episode stopped; only the first two can give a trainable conversation."""


@dataclass(slots=True)
class Turn:
    message: dict[str, Any]
    """OpenAI-shaped: tool-call arguments as JSON text, tool results with ``tool_call_id`` and ``name``."""
    rationale: str | None = None


@dataclass(slots=True)
class ToolEvent:
    """One executed call: what was asked, what came back, and whether the call itself was well-formed."""

    call_id: str
    name: str
    arguments: Any
    content: str
    is_error: bool
    simulated: bool
    valid: bool
    turn: int

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["arguments"] = (
            json.dumps(self.arguments, ensure_ascii=False)
            if not isinstance(self.arguments, str)
            else self.arguments
        )
        return data


@dataclass(slots=True)
class Episode:
    turns: list[Turn]
    events: list[ToolEvent] = field(default_factory=list)
    stop_reason: str = "answered"
    assistant_turns: int = 0
    served_by: list[str] = field(default_factory=list)
    """The model (pool member) that wrote each assistant turn, in order."""
    checks: list[Check] = field(default_factory=list)
    final_state: dict[str, Any] = field(default_factory=dict)
    note: str = ""

    @property
    def messages(self) -> list[dict[str, Any]]:
        return [turn.message for turn in self.turns]

    @property
    def success(self) -> bool:
        return all(check.ok for check in self.checks)


class TraceError(Exception):
    def __init__(self, reason: str, problems: list[str]) -> None:
        super().__init__(f"{reason}: {'; '.join(problems)}")
        self.reason = reason
        self.problems = problems


@dataclass(slots=True)
class Trace:
    """The saved conversation: messages, tools offered, rationales by message index."""

    messages: list[dict[str, Any]]
    tools: list[dict[str, Any]]
    rationales: list[dict[str, Any]]
    dropped_calls: int = 0


def build_trace(episode: Episode, tools: list[dict[str, Any]], *, invalid_calls: str = "drop") -> Trace:
    """The trainable conversation of ``episode``, or ``TraceError`` saying why there is none."""
    if episode.stop_reason not in ("answered", "user_done"):
        raise TraceError(episode.stop_reason, [episode.note or f"the episode stopped: {episode.stop_reason}"])
    invalid = {event.call_id for event in episode.events if not event.valid}
    if invalid and invalid_calls == "reject":
        names = sorted({event.name for event in episode.events if not event.valid})
        raise TraceError("invalid_calls", [f"{len(invalid)} malformed tool calls ({', '.join(names)})"])
    turns = drop_calls(episode.turns, invalid)
    problems = check_invariants([turn.message for turn in turns], tools)
    if problems:
        raise TraceError("invalid_trace", problems)
    rationales = [
        {"message": index, "text": turn.rationale} for index, turn in enumerate(turns) if turn.rationale
    ]
    return Trace([turn.message for turn in turns], tools, rationales, dropped_calls=len(invalid))


def drop_calls(turns: list[Turn], call_ids: set[str]) -> list[Turn]:
    """Leave out the given calls and their results; an assistant turn left empty goes too, and two
    assistant turns that end up adjacent are joined (text first, then the later turn's calls)."""
    if not call_ids:
        return list(turns)
    kept: list[Turn] = []
    for turn in turns:
        message = dict(turn.message)
        if message.get("role") == "tool" and message.get("tool_call_id") in call_ids:
            continue
        if message.get("tool_calls"):
            calls = [call for call in message["tool_calls"] if call.get("id") not in call_ids]
            if calls:
                message["tool_calls"] = calls
            else:
                message.pop("tool_calls")
            if not calls and not (message.get("content") or "").strip():
                continue
        previous = kept[-1].message if kept else None
        if (
            previous is not None
            and previous.get("role") == "assistant" == message.get("role")
            and not previous.get("tool_calls")
        ):
            joined = "\n\n".join(part for part in (previous.get("content"), message.get("content")) if part)
            merged = {**message, "content": joined or None}
            rationale = "\n\n".join(r for r in (kept[-1].rationale, turn.rationale) if r) or None
            kept[-1] = Turn(merged, rationale)
            continue
        kept.append(Turn(message, turn.rationale))
    return kept


def check_invariants(messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> list[str]:
    """Everything that keeps ``messages`` from being a valid training conversation (empty when fine)."""
    problems: list[str] = []
    schemas = {tool["function"]["name"]: tool["function"].get("parameters") or {} for tool in tools}
    ids: set[str] = set()
    for index, message in enumerate(messages):
        for call in message.get("tool_calls") or []:
            function = call.get("function") or {}
            name, raw = function.get("name"), function.get("arguments")
            if call.get("id") in ids:
                problems.append(f"messages.{index}: duplicate tool call id {call.get('id')!r}")
            ids.add(str(call.get("id")))
            if name not in schemas:
                problems.append(f"messages.{index}: call to a tool that is not offered: {name!r}")
                continue
            try:
                arguments = json.loads(raw) if isinstance(raw, str) else raw
            except json.JSONDecodeError:
                problems.append(f"messages.{index}: arguments of {name} are not JSON")
                continue
            problem = validation_problem(schemas[name], arguments)
            if problem is not None:
                problems.append(f"messages.{index}: arguments of {name} break its schema: {problem}")
        if (
            message.get("role") == "assistant"
            and not message.get("tool_calls")
            and not (message.get("content") or "").strip()
        ):
            problems.append(f"messages.{index}: empty assistant message")
    if problems:
        return problems
    try:  # exactly one result per call, results after their calls, ends on an assistant answer
        Conversation.model_validate({"row_id": "check", "messages": messages, "tools": tools or None})
    except ValidationError as err:
        problems.extend(str(error["msg"]).removeprefix("Value error, ") for error in err.errors())
    return problems


__all__ = [
    "STOP_REASONS",
    "Episode",
    "ToolEvent",
    "Trace",
    "TraceError",
    "Turn",
    "build_trace",
    "check_invariants",
    "drop_calls",
]
