"""The agent loop through the real model layer with scripted teachers: native and text tool protocols,
error results for bad calls, the turn cap, the user simulator and simulated tools."""

from __future__ import annotations

import json
from collections.abc import Callable

from hadron.llm import ModelHub
from hadron.llm.errors import Rejected
from hadron.llm.types import ChatRequest
from hadron.tasks.agentic.config import LoopConfig
from hadron.tasks.agentic.loop import AgentLoop, parse_text_calls
from hadron.tasks.agentic.scenario import load_scenarios
from hadron.tasks.agentic.user_sim import DONE, UserSimulator

from .conftest import native_call, teacher_script

SCENARIOS = {s.id: s for s in load_scenarios("all")}


def scenario(name: str, **update: object):  # type: ignore[no-untyped-def]
    return SCENARIOS[name].variant(0)[0].model_copy(update=update)


async def test_native_tool_calls_are_executed_and_results_go_back(scripted: Callable[..., str]) -> None:
    seen: list[ChatRequest] = []
    steps = teacher_script(
        [
            native_call("run_command", {"command": "df -h"}, text="Checking the disk."),
            native_call("run_command", {"command": "rm /var/log/app/debug.log"}),
            "<think>freed</think>The log filled the disk; I removed it.",
        ]
    )

    def teacher(request: ChatRequest):  # type: ignore[no-untyped-def]
        seen.append(request)
        return steps(request)

    hub = ModelHub()
    spec = scripted(teacher)
    loop = AgentLoop(hub.get(spec), LoopConfig())
    episode = await loop.run(scenario("terminal-disk-full-nginx"), route_key="r1")
    assert episode.stop_reason == "answered" and episode.assistant_turns == 3
    assert seen[0].tools and seen[0].tools[0]["function"]["name"] == "run_command"
    tool_message = seen[1].messages[-1]
    assert tool_message["role"] == "tool" and "100%" in tool_message["content"]
    ids = [event.call_id for event in episode.events]
    assert len(set(ids)) == 2 and all(i.startswith("call_") for i in ids)
    assert episode.turns[2].message["content"] == "Checking the disk."
    assert episode.turns[-1].message == {
        "role": "assistant",
        "content": "The log filled the disk; I removed it.",
    }
    assert episode.turns[-1].rationale == "freed"
    assert episode.served_by == [spec] * 3
    assert [c.ok for c in episode.checks] == [False, True, True]  # disk freed, nginx not restarted
    again = await loop.run(scenario("terminal-disk-full-nginx"), route_key="r1")
    assert [e.call_id for e in again.events] == ids  # ids are the same on every run
    await hub.aclose()


async def test_text_protocol_for_models_without_a_tools_api(scripted: Callable[..., str]) -> None:
    seen: list[ChatRequest] = []
    replies = [
        'I will look it up.\n<tool_call>{"name": "get_order", '
        '"arguments": {"order_id": "O-1042"}}</tool_call>',
        '<tool_call>{"name": "cancel_order", "arguments": {"order_id": "O-1042", "reason": "mistake"}}',
        "Your order O-1042 is cancelled and 39.00 will be refunded.",
    ]

    def teacher(request: ChatRequest) -> str:
        seen.append(request)
        return replies[len(seen) - 1]

    hub = ModelHub()
    loop = AgentLoop(hub.get(scripted(teacher, tools=False)), LoopConfig())
    assert not loop.native()
    episode = await loop.run(scenario("orders-cancel-unshipped"), route_key="r2")
    assert episode.stop_reason == "answered"
    assert seen[0].tools is None and "<tool_call>" in seen[0].messages[0]["content"]
    assert "<tool_call>" not in episode.turns[0].message["content"]  # the saved system prompt stays clean
    assert seen[1].messages[-1]["role"] == "user" and seen[1].messages[-1]["content"].startswith(
        '<tool_response name="get_order">'
    )
    assert seen[1].messages[-2]["content"].endswith("</tool_call>")
    assert [e.name for e in episode.events] == ["get_order", "cancel_order"] and all(
        e.valid for e in episode.events
    )
    assert episode.turns[2].message["content"] == "I will look it up."
    assert all(c.ok for c in episode.checks)
    await hub.aclose()


def test_text_calls_parse_leniently() -> None:
    visible, calls = parse_text_calls(
        'ok <tool_call>{"tool": "a", "parameters": "{\\"x\\": 1}"}</tool_call><tool_call>not json</tool_call>'
    )
    assert visible == "ok"
    assert [(c.name, c.arguments) for c in calls] == [("a", {"x": 1}), ("", "not json")]
    assert parse_text_calls("just an answer") == ("just an answer", [])


async def test_bad_calls_get_error_results_and_the_loop_goes_on(scripted: Callable[..., str]) -> None:
    teacher = teacher_script(
        [
            native_call("teleport", {"to": "mars"}),
            native_call("get_order", {"order_id": 1042}),
            native_call("get_order", "{not json"),
            native_call("get_order", {"order_id": "O-9999"}),
            "I could not find that order.",
        ]
    )
    hub = ModelHub()
    episode = await AgentLoop(hub.get(scripted(teacher)), LoopConfig()).run(
        scenario("orders-cancel-unshipped"), route_key="r3"
    )
    assert episode.stop_reason == "answered"
    results = [json.loads(e.content)["error"] for e in episode.events]
    assert "unknown tool 'teleport'" in results[0]
    assert "invalid arguments for get_order: order_id: 1042 is not of type 'string'" in results[1]
    assert "must be a JSON object" in results[2]
    assert results[3] == "no order 'O-9999'"  # a well-formed call the domain refuses
    assert [e.valid for e in episode.events] == [False, False, False, True]
    await hub.aclose()


async def test_a_loop_that_never_answers_stops_at_the_turn_cap(scripted: Callable[..., str]) -> None:
    hub = ModelHub()
    teacher = scripted(lambda request: native_call("run_command", {"command": "uptime"}))
    episode = await AgentLoop(hub.get(teacher), LoopConfig(max_turns=4)).run(
        scenario("terminal-runaway-process"), route_key="r4"
    )
    assert episode.stop_reason == "turn_cap" and episode.assistant_turns == 4
    assert episode.note == "no final answer within 4 assistant turns"
    assert episode.turns[-1].message["role"] == "tool"
    await hub.aclose()


async def test_a_prompt_the_model_refuses_ends_the_episode(scripted: Callable[..., str]) -> None:
    def refuse(request: ChatRequest) -> str:
        raise Rejected("the prompt is 9000 tokens, more than the model's 8192-token context")

    hub = ModelHub()
    episode = await AgentLoop(hub.get(scripted(refuse)), LoopConfig()).run(
        scenario("terminal-runaway-process"), route_key="r5"
    )
    assert episode.stop_reason == "model_rejected" and "8192" in episode.note
    await hub.aclose()


async def test_the_user_simulator_plays_the_persona_until_done(scripted: Callable[..., str]) -> None:
    user_seen: list[ChatRequest] = []
    user_replies = ["Yes, please pay it with my card.", DONE]

    def user(request: ChatRequest) -> str:
        user_seen.append(request)
        return user_replies[len(user_seen) - 1]

    teacher = teacher_script(
        [
            native_call("list_bills", {"customer_id": "C-3003", "status": "overdue"}),
            "Bill B-3002 of 45.00 is overdue. Shall I pay it with your card on file?",
            native_call("pay_bill", {"bill_id": "B-3002", "amount": 45, "method": "card_on_file"}),
            native_call("resume_line", {"number": "+1 555 0303"}),
            "Paid, and your line works again.",
        ]
    )
    hub = ModelHub()
    simulator = UserSimulator(hub.get(scripted(user)))
    loop = AgentLoop(hub.get(scripted(teacher)), LoopConfig(), user=simulator)
    episode = await loop.run(scenario("telecom-overdue-resume"), route_key="r6")
    assert episode.stop_reason == "user_done"
    assert [m["role"] for m in episode.messages].count("user") == 2
    assert all(c.ok for c in episode.checks)
    first = user_seen[0]
    assert "45.00" in first.messages[-1]["content"] and first.messages[-1]["role"] == "user"
    assert "C-3003" in first.messages[0]["content"]  # the hidden goal is the simulator's, not the agent's
    assert all(m.get("role") != "tool" for m in first.messages)
    await hub.aclose()


async def test_custom_tools_are_simulated_and_marked(scripted: Callable[..., str]) -> None:
    teacher = teacher_script(
        [
            native_call("track_shipment", {"order_id": "O-1061"}),
            "It arrives on 3 May; it cannot be cancelled now, but you can return it.",
        ]
    )
    hub = ModelHub()
    carrier = scripted(lambda request: '{"status": "in_transit", "expected_delivery": "2024-05-03"}')
    loop = AgentLoop(hub.get(scripted(teacher)), LoopConfig(), simulator=hub.get(carrier))
    episode = await loop.run(scenario("orders-shipped-tracking", user_turns=1), route_key="r7")
    [event] = episode.events
    assert event.simulated and event.valid and "2024-05-03" in event.content
    assert all(c.ok for c in episode.checks)
    await hub.aclose()
