"""Trace invariants: what makes an episode a valid training conversation, on good and broken episodes."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from hadron.tasks.agentic.trace import Episode, ToolEvent, TraceError, Turn, build_trace, check_invariants

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_order",
            "parameters": {
                "type": "object",
                "properties": {"order_id": {"type": "string", "pattern": "^O-"}},
                "required": ["order_id"],
                "additionalProperties": False,
            },
        },
    }
]


def call(call_id: str, arguments: Any, name: str = "get_order") -> dict[str, Any]:
    raw = arguments if isinstance(arguments, str) else json.dumps(arguments)
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": raw}}


def good() -> list[dict[str, Any]]:
    return [
        {"role": "system", "content": "You are a shop assistant."},
        {"role": "user", "content": "Where is O-1?"},
        {"role": "assistant", "content": None, "tool_calls": [call("c0", {"order_id": "O-1"})]},
        {"role": "tool", "tool_call_id": "c0", "name": "get_order", "content": '{"status": "shipped"}'},
        {"role": "assistant", "content": "It has shipped."},
    ]


def broken(edit: str) -> list[dict[str, Any]]:
    messages = good()
    if edit == "missing_result":
        del messages[3]
    elif edit == "two_results":
        messages.insert(4, copy.deepcopy(messages[3]))
    elif edit == "duplicate_ids":
        messages[2:2] = [
            {"role": "assistant", "content": None, "tool_calls": [call("c0", {"order_id": "O-2"})]},
            {"role": "tool", "tool_call_id": "c0", "name": "get_order", "content": "{}"},
        ]
    elif edit == "bad_arguments":
        messages[2]["tool_calls"] = [call("c0", {"order_id": 7})]
    elif edit == "arguments_not_json":
        messages[2]["tool_calls"] = [call("c0", "{order_id: O-1")]
    elif edit == "undeclared_tool":
        messages[2]["tool_calls"] = [call("c0", {}, name="refund")]
        messages[3]["name"] = "refund"
    elif edit == "ends_on_tool":
        messages.pop()
    elif edit == "ends_on_user":
        messages.append({"role": "user", "content": "thanks"})
    elif edit == "empty_answer":
        messages[-1]["content"] = "  "
    return messages


def test_a_good_episode_passes() -> None:
    assert check_invariants(good(), TOOLS) == []


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        ("missing_result", "have no result"),
        ("two_results", "unknown or already answered call 'c0'"),
        ("duplicate_ids", "duplicate tool call id 'c0'"),
        ("bad_arguments", "arguments of get_order break its schema: order_id: 7 is not of type 'string'"),
        ("arguments_not_json", "arguments of get_order are not JSON"),
        ("undeclared_tool", "call to a tool that is not offered: 'refund'"),
        ("ends_on_tool", "must end on an assistant answer"),
        ("ends_on_user", "must end on an assistant answer"),
        ("empty_answer", "empty assistant message"),
    ],
)
def test_broken_episodes_are_caught(edit: str, problem: str) -> None:
    problems = check_invariants(broken(edit), TOOLS)
    assert any(problem in text for text in problems), problems


def episode_with_a_bad_call() -> Episode:
    """The model first called a tool that does not exist (error result), then recovered."""
    turns = [Turn(m) for m in good()]
    turns[2:2] = [
        Turn(
            {"role": "assistant", "content": "Let me look.", "tool_calls": [call("c9", {}, "lookup")]},
            rationale="try lookup",
        ),
        Turn({"role": "tool", "tool_call_id": "c9", "name": "lookup", "content": '{"error": "unknown"}'}),
    ]
    turns[4].rationale = "use get_order"
    events = [
        ToolEvent("c9", "lookup", {}, '{"error": "unknown"}', True, False, False, 0),
        ToolEvent("c0", "get_order", {"order_id": "O-1"}, "{}", False, False, True, 1),
    ]
    return Episode(turns=turns, events=events, stop_reason="answered", assistant_turns=3)


def test_invalid_calls_are_dropped_from_the_saved_conversation() -> None:
    trace = build_trace(episode_with_a_bad_call(), TOOLS)
    assert trace.dropped_calls == 1
    assert [m["role"] for m in trace.messages] == ["system", "user", "assistant", "tool", "assistant"]
    assert trace.messages[2]["content"] == "Let me look."  # the text stays, joined to the next turn's calls
    assert trace.messages[2]["tool_calls"][0]["id"] == "c0"
    assert trace.rationales == [{"message": 2, "text": "try lookup\n\nuse get_order"}]
    assert all("rationale" not in json.dumps(m) for m in trace.messages)


def test_invalid_calls_can_reject_the_episode_instead() -> None:
    with pytest.raises(TraceError) as caught:
        build_trace(episode_with_a_bad_call(), TOOLS, invalid_calls="reject")
    assert caught.value.reason == "invalid_calls"


@pytest.mark.parametrize("reason", ["turn_cap", "empty_reply", "model_rejected"])
def test_an_unfinished_episode_is_rejected_with_its_stop_reason(reason: str) -> None:
    episode = Episode(turns=[Turn(m) for m in good()], stop_reason=reason, note="why")
    with pytest.raises(TraceError) as caught:
        build_trace(episode, TOOLS)
    assert caught.value.reason == reason and caught.value.problems == ["why"]


def test_a_broken_trace_is_an_invalid_trace() -> None:
    episode = Episode(turns=[Turn(m) for m in broken("ends_on_tool")], stop_reason="answered")
    with pytest.raises(TraceError) as caught:
        build_trace(episode, TOOLS)
    assert caught.value.reason == "invalid_trace"
