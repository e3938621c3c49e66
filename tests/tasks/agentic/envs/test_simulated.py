"""Custom tools: a model writes the result, the result is marked simulated, bad arguments never reach it."""

from __future__ import annotations

import json
from collections.abc import Callable

from hadron.llm import ModelHub
from hadron.llm.types import ChatRequest
from hadron.tasks.agentic.envs.simulated import SimulatedTools
from hadron.tasks.agentic.scenario import ToolSpec

TRACK = ToolSpec(
    name="track_shipment",
    description="Where is the parcel?",
    returns="JSON with status",
    parameters={
        "type": "object",
        "properties": {"order_id": {"type": "string"}},
        "required": ["order_id"],
        "additionalProperties": False,
    },
)


async def test_results_are_imagined_consistent_and_marked(scripted: Callable[..., str]) -> None:
    prompts: list[str] = []

    def carrier(request: ChatRequest) -> str:
        prompts.append(request.messages[-1]["content"])
        return '```json\n{"status": "in_transit", "eta": "2024-05-03"}\n```'

    hub = ModelHub()
    tools = SimulatedTools(hub.get(scripted(carrier)), {"track_shipment": TRACK}, "a shop", "row-1")
    first = await tools.call("track_shipment", {"order_id": "O-1"})
    assert first.simulated and not first.is_error
    assert json.loads(first.content) == {"status": "in_transit", "eta": "2024-05-03"}
    await tools.call("track_shipment", {"order_id": "O-1"})
    assert "JSON with status" in prompts[0] and "Earlier results" not in prompts[0]
    assert '"eta":"2024-05-03"' in prompts[1]  # the earlier answer is shown for consistency
    await hub.aclose()


async def test_invalid_arguments_get_an_error_without_a_model_call(scripted: Callable[..., str]) -> None:
    hub = ModelHub()
    tools = SimulatedTools(hub.get(scripted([])), {"track_shipment": TRACK}, "a shop", "row-1")
    result = await tools.call("track_shipment", {"order": "O-1"})
    assert result.is_error and result.simulated
    assert "order_id" in json.loads(result.content)["error"]
    await hub.aclose()
