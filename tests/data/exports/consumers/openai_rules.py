"""OpenAI's documented rules for fine-tuning files, checked with the ``openai`` package's own types.

Sources: the supervised fine-tuning guide (https://platform.openai.com/docs/guides/supervised-fine-tuning:
one JSON object per line with ``messages`` and optional ``tools``; function calling in "Fine-tuning with
tools"), the DPO guide (https://platform.openai.com/docs/guides/direct-preference-optimization: ``input``
with ``messages``/``tools``, ``preferred_output`` and ``non_preferred_output`` holding the final assistant
message), and the cookbook's format checks ("Data preparation and analysis for chat model fine-tuning":
missing messages, unrecognized keys, unrecognized roles, missing content, no assistant message).
"""

from __future__ import annotations

import json
from typing import Any

from openai.types.chat import ChatCompletionFunctionToolParam, ChatCompletionMessageParam
from pydantic import TypeAdapter, ValidationError

MESSAGE = TypeAdapter(ChatCompletionMessageParam)
TOOL = TypeAdapter(ChatCompletionFunctionToolParam)
ROLES = {"system", "developer", "user", "assistant", "tool"}
MESSAGE_KEYS = {"role", "content", "name", "tool_calls", "tool_call_id", "weight", "function_call"}


def message_problems(messages: Any, where: str) -> list[str]:
    """Types (the SDK's message params), keys, roles, content, and every tool call answered by id."""
    if not isinstance(messages, list) or not messages:
        return [f"{where}: messages must be a non-empty list"]
    problems: list[str] = []
    pending: dict[str, str] = {}
    for index, message in enumerate(messages):
        at = f"{where}.{index}"
        if not isinstance(message, dict):
            problems.append(f"{at}: not an object")
            continue
        if extra := set(message) - MESSAGE_KEYS:
            problems.append(f"{at}: unrecognized keys {sorted(extra)}")
        if message.get("role") not in ROLES:
            problems.append(f"{at}: unrecognized role {message.get('role')!r}")
            continue
        try:
            MESSAGE.validate_python(message)
        except ValidationError as err:
            problems.append(f"{at}: not a {message['role']} message param ({err.error_count()} errors)")
        if message["role"] == "tool":
            if message.get("tool_call_id") not in pending:
                problems.append(f"{at}: tool result for unknown call {message.get('tool_call_id')!r}")
            else:
                pending.pop(message["tool_call_id"])
            continue
        if pending:
            problems.append(f"{at}: calls {sorted(pending)} have no tool result before this message")
            pending.clear()
        if not message.get("content") and not message.get("tool_calls"):
            problems.append(f"{at}: missing content")
        for call in message.get("tool_calls") or []:
            try:
                arguments = json.loads(call["function"]["arguments"])
            except (KeyError, TypeError, json.JSONDecodeError):
                arguments = None
            if not isinstance(arguments, dict):
                problems.append(f"{at}: tool call arguments must be a JSON object string")
            if call.get("id") in pending:
                problems.append(f"{at}: duplicate tool call id {call.get('id')!r}")
            pending[call.get("id")] = call.get("function", {}).get("name")
    if pending:
        problems.append(f"{where}: calls {sorted(pending)} have no tool result")
    return problems


def tools_problems(tools: Any, where: str) -> list[str]:
    if tools is None:
        return []
    problems = []
    for index, tool in enumerate(tools if isinstance(tools, list) else [None]):
        try:
            TOOL.validate_python(tool)
        except ValidationError:
            problems.append(f"{where}.{index}: not a function tool definition")
    return problems


def sft_problems(record: dict[str, Any]) -> list[str]:
    """A chat SFT line: ``messages`` (+ ``tools``), at least one assistant message, nothing else."""
    problems = [f"unrecognized top-level keys {sorted(extra)}"
                for extra in [set(record) - {"messages", "tools", "parallel_tool_calls"}] if extra]
    problems += message_problems(record.get("messages"), "messages")
    problems += tools_problems(record.get("tools"), "tools")
    if not any(isinstance(m, dict) and m.get("role") == "assistant" for m in record.get("messages") or []):
        problems.append("no assistant message")
    return problems


def preference_problems(record: dict[str, Any]) -> list[str]:
    """A DPO line: ``input.messages`` ending on a user (or tool) turn, one assistant message in each
    output, and the two outputs different."""
    problems = [f"unrecognized top-level keys {sorted(extra)}" for extra in
                [set(record) - {"input", "preferred_output", "non_preferred_output"}] if extra]
    given = record.get("input") or {}
    problems += message_problems(given.get("messages"), "input.messages")
    problems += tools_problems(given.get("tools"), "input.tools")
    if given.get("messages") and given["messages"][-1].get("role") not in ("user", "tool"):
        problems.append("input.messages must end on a user or tool message")
    for key in ("preferred_output", "non_preferred_output"):
        output = record.get(key)
        if not isinstance(output, list) or len(output) != 1 or output[0].get("role") != "assistant":
            problems.append(f"{key}: must be exactly one assistant message")
        else:
            problems += message_problems(output, key)
    if record.get("preferred_output") == record.get("non_preferred_output"):
        problems.append("preferred and non-preferred outputs are the same")
    return problems
