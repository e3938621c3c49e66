"""Neutral records every export writer reads.

Messages follow the OpenAI chat shape (assistant ``tool_calls``; role ``tool`` answering one call by
``tool_call_id``), except that tool-call arguments are kept as parsed JSON objects: each writer only
decides how to spell them (object for TRL, JSON string for OpenAI, ``function_call`` for ShareGPT).
A ``Conversation`` is checked to be trainable when built, so the agentic task can hand its episodes to
the same writers: every tool call answered exactly once, ids unique, the last turn an assistant answer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Role = Literal["system", "user", "assistant", "tool"]


class ToolCall(BaseModel):
    """One function call made by the assistant; ``arguments`` is the decoded JSON object."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    arguments: dict[str, Any]

    @model_validator(mode="before")
    @classmethod
    def _from_openai(cls, data: Any) -> Any:
        """Accept the OpenAI wire shape ``{id, type, function: {name, arguments: "<json>"}}`` too."""
        if not isinstance(data, dict) or "function" not in data:
            return data
        function = data["function"] if isinstance(data["function"], dict) else {}
        arguments = function.get("arguments")
        if isinstance(arguments, str):
            try:
                arguments = json.loads(arguments) if arguments.strip() else {}
            except json.JSONDecodeError as err:
                raise ValueError(f"tool-call arguments are not valid JSON: {err.msg}") from err
        return {"id": data.get("id"), "name": function.get("name"), "arguments": arguments}


class Message(BaseModel):
    """One chat turn. ``name`` on a tool message is the function it answers (filled in if missing)."""

    model_config = ConfigDict(extra="forbid")

    role: Role
    content: str | None = None
    tool_calls: list[ToolCall] = Field(default_factory=list)
    tool_call_id: str | None = None
    name: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _drop_nulls(cls, data: Any) -> Any:
        # Rows read back from Parquet carry every key of the column's struct, unused ones as null.
        if isinstance(data, dict):
            return {key: value for key, value in data.items() if value is not None}
        return data

    @model_validator(mode="after")
    def _shape(self) -> Message:
        if self.role == "tool":
            if self.tool_call_id is None or self.content is None:
                raise ValueError("a tool message needs tool_call_id and content")
        elif self.tool_call_id is not None:
            raise ValueError("only a tool message carries tool_call_id")
        if self.tool_calls and self.role != "assistant":
            raise ValueError("only an assistant message makes tool calls")
        if self.content is None and not self.tool_calls:
            raise ValueError(f"a {self.role} message needs content")
        return self


class Conversation(BaseModel):
    """A whole training conversation (SFT): messages in order plus the tool schemas offered, if any."""

    model_config = ConfigDict(extra="forbid")

    row_id: str
    messages: list[Message] = Field(min_length=1)
    tools: list[dict[str, Any]] | None = None
    truncated: bool = False
    """The target text was cut by the model's token limit (``finish_reason == "length"``)."""

    @model_validator(mode="after")
    def _trainable(self) -> Conversation:
        declared = {_tool_name(tool) for tool in self.tools or []}
        check_tool_flow(self.messages, declared or None)
        last = self.messages[-1]
        if last.role != "assistant" or last.tool_calls:
            raise ValueError("a training conversation must end on an assistant answer")
        return self


def check_tool_flow(messages: list[Message], declared: set[str] | None = None) -> None:
    """Every call gets exactly one result before the conversation moves on; ids are unique.

    Fills ``name`` on tool messages from the call they answer. ``declared``: if given, the tool names a
    call may use.
    """
    pending: dict[str, str] = {}
    seen: set[str] = set()
    for index, message in enumerate(messages):
        if message.role == "tool":
            if message.tool_call_id not in pending:
                raise ValueError(f"messages.{index}: tool result for unknown or already answered call "
                                 f"{message.tool_call_id!r}")
            called = pending.pop(message.tool_call_id)
            if message.name is None:
                message.name = called
            elif message.name != called:
                raise ValueError(f"messages.{index}: tool result named {message.name!r} answers a call "
                                 f"to {called!r}")
            continue
        if pending:
            raise ValueError(f"messages.{index}: tool calls {sorted(pending)} have no result")
        for call in message.tool_calls:
            if call.id in seen:
                raise ValueError(f"messages.{index}: duplicate tool call id {call.id!r}")
            if declared is not None and call.name not in declared:
                raise ValueError(f"messages.{index}: call to undeclared tool {call.name!r}")
            seen.add(call.id)
            pending[call.id] = call.name
    if pending:
        raise ValueError(f"tool calls {sorted(pending)} have no result")


def _tool_name(tool: dict[str, Any]) -> str:
    function = tool.get("function") if tool.get("type") == "function" else None
    if not isinstance(function, dict) or not isinstance(function.get("name"), str):
        raise ValueError("each tool must be {'type': 'function', 'function': {'name': ..., ...}}")
    return function["name"]


def text_message(role: Role, content: str) -> Message:
    return Message(role=role, content=content)


@dataclass(frozen=True, slots=True)
class PairScores:
    """Where a preference pair came from: the judged pass and its Borda points."""

    pass_index: int
    chosen_label: str
    rejected_label: str
    borda: dict[str, int]

    @property
    def chosen_score(self) -> int:
        return self.borda[self.chosen_label]

    @property
    def rejected_score(self) -> int:
        return self.borda[self.rejected_label]

    @property
    def margin(self) -> int:
        """Borda points by which the judges preferred the chosen text over the rejected one."""
        return self.chosen_score - self.rejected_score


@dataclass(frozen=True, slots=True)
class Preference:
    """One pair of a judged pass: a shared prompt and two completions, the chosen one scored higher."""

    row_id: str
    prompt: list[Message]
    chosen: list[Message]
    rejected: list[Message]
    scores: PairScores
    tools: list[dict[str, Any]] | None = None
    best: bool = True
    """The chosen text is the pass's winner (``--pairs best-vs-rest`` keeps only these)."""
    truncated: bool = False
    """Either text was cut by the model's token limit."""


@dataclass(frozen=True, slots=True)
class ReasoningTrace:
    """The reasoning of the role whose text became the final generation, with that text."""

    row_id: str
    prompt: list[Message]
    reasoning: str
    answer: str
    role: str
    pass_index: int
    candidate: str
    truncated: bool = False


@dataclass(frozen=True, slots=True)
class CriticTriple:
    """A draft, the critique of it, and the revision written against that critique."""

    row_id: str
    pass_index: int
    prompt: str
    draft: str
    critique: str
    revision: str
    revision_source: str
    revision_won: bool
