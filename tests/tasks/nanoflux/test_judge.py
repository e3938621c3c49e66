"""The tool-augmented judge: native tool calls, the fenced-block protocol, tool failures recorded."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from hadron.llm.hub import ModelHub
from hadron.tasks.nanoflux.config import NanoFluxConfig
from hadron.tasks.nanoflux.loop import NanoFlux
from hadron.tasks.nanoflux.tools import ToolOutput

from .conftest import Fake, FakeEmbedder, Round, tool_call


def settings(spec: str, **judge: Any) -> NanoFluxConfig:
    return NanoFluxConfig.model_validate({
        "domains": ["math"], "per_domain": 1, "pool_factor": 1, "max_rounds": 1, "concurrency": 1,
        "attacker": {"model": spec}, "defender": {"model": spec},
        "judge": {"model": spec, **judge}, "sandbox": {"wall_seconds": 5, "cpu_seconds": 2}})


async def run(config: NanoFluxConfig, **kwargs: Any) -> Any:
    async with ModelHub() as hub:
        return await NanoFlux.from_hub(hub, config, embedder=FakeEmbedder(), **kwargs).run()


async def test_native_tool_calls_run_in_the_sandbox_and_are_recorded(scripted) -> None:
    fake = Fake(rounds={0: Round(check=[tool_call("6 * 7"), "6 * 7 is 42, the reference holds."])})
    spec = scripted(fake, tools=True)
    result = await run(settings(spec))
    [row] = result.rows
    [evidence] = row["tool_evidence"]
    assert evidence["tool"] == "python" and evidence["protocol"] == "native"
    assert evidence["arguments"] == {"code": "6 * 7"}
    assert evidence["output"] == "value: 42" and evidence["error_kind"] is None
    assert row["judge"]["assessment"] == "6 * 7 is 42, the reference holds."
    check_requests = [r for r in fake.requests if r.tools]
    assert check_requests and check_requests[0].tools[0]["function"]["name"] == "python"
    second = check_requests[1].messages
    assert second[-2]["tool_calls"][0]["id"] == "call_1"
    assert second[-1] == {"role": "tool", "tool_call_id": "call_1", "content": "value: 42"}


async def test_text_protocol_runs_a_fenced_block_and_feeds_back_the_output(scripted) -> None:
    reply = "Let me check.\n```python\nprint(sum(range(10)))\n```"
    fake = Fake(rounds={0: Round(check=[reply, "45 matches."])})
    spec = scripted(fake, tools=False)
    result = await run(settings(spec))
    [row] = result.rows
    [evidence] = row["tool_evidence"]
    assert evidence["protocol"] == "text" and evidence["output"] == "45"
    feedback = [r for r in fake.requests if "Result of your python code" in str(r.messages[-1]["content"])]
    assert feedback and "45" in feedback[0].messages[-1]["content"]


async def test_tool_calls_stop_at_the_cap(scripted) -> None:
    fake = Fake(rounds={0: Round(check=[tool_call("1", "a"), tool_call("2", "b"), tool_call("3", "c")])})
    spec = scripted(fake, tools=True)
    result = await run(settings(spec, max_tool_calls=2))
    [row] = result.rows
    assert [e["arguments"]["code"] for e in row["tool_evidence"]] == ["1", "2"]
    last_check = [r for r in fake.requests if r.tools][-1]
    assert last_check.tool_choice == "none"


async def test_a_tool_timeout_is_recorded_and_the_round_goes_on(scripted) -> None:
    fake = Fake(rounds={0: Round(check=[tool_call("import time\ntime.sleep(60)"), "could not check"])})
    spec = scripted(fake, tools=True)
    config = settings(spec)
    config.sandbox.wall_seconds = 0.5
    result = await run(config)
    [row] = result.rows
    [evidence] = row["tool_evidence"]
    assert evidence["error_kind"] == "timeout"
    assert "timeout" in evidence["output"]


class Hanging:
    """A plugged-in tool that never answers: the registry's own deadline stops it."""

    def __init__(self) -> None:
        self.name = "lookup"
        self.description = "looks things up"
        self.parameters: dict[str, Any] = {"type": "object", "properties": {"query": {"type": "string"}}}
        self.text_argument: str | None = None
        self.timeout_s = 0.2

    async def run(self, arguments: dict[str, Any]) -> ToolOutput:
        await asyncio.sleep(30)
        return ToolOutput("never")


async def test_a_hanging_plugged_in_tool_times_out(scripted) -> None:
    call = tool_call("x")
    call.tool_calls[0]["function"] = {"name": "lookup", "arguments": json.dumps({"query": "q"})}
    fake = Fake(rounds={0: Round(check=[call, "done"])})
    spec = scripted(fake, tools=True)
    result = await run(settings(spec), tools={"lookup": Hanging()})
    [evidence] = result.rows[0]["tool_evidence"]
    assert (evidence["tool"], evidence["error_kind"]) == ("lookup", "timeout")


async def test_unknown_tool_and_bad_arguments_are_answered_with_errors(scripted) -> None:
    bad = tool_call("x", "u")
    bad.tool_calls[0]["function"] = {"name": "browser", "arguments": "{}"}
    broken = tool_call("x", "v")
    broken.tool_calls[0]["function"]["arguments"] = "{not json"
    fake = Fake(rounds={0: Round(check=[bad, broken, "done"])})
    spec = scripted(fake, tools=True)
    result = await run(settings(spec))
    kinds = [e["error_kind"] for e in result.rows[0]["tool_evidence"]]
    assert kinds == ["unknown_tool", "arguments"]


async def test_no_tools_means_a_single_verdict_call(scripted) -> None:
    fake = Fake()
    spec = scripted(fake, tools=True)
    result = await run(settings(spec, tools=[]))
    assert [role for role, _, _ in fake.log] == ["attacker", "defender", "verdict"]
    assert result.rows[0]["tool_evidence"] == []


def test_a_verdict_cut_off_inside_its_notes_is_salvaged() -> None:
    """SmolLM2 under the JSON grammar loops in ``notes`` until max_tokens (measured): the fields before
    it are complete and are kept; anything else cut off is still no verdict."""
    from hadron.tasks.nanoflux.judge import salvage_verdict

    cut = ('{"valid":true, "defender_correct":false, "reasoning_quality":3, "hops":4, '
           '"notes":"1: recall one fact; 3: several linked steps; 1: recall')
    verdict = salvage_verdict(cut)
    assert verdict is not None and (verdict.valid, verdict.defender_correct, verdict.hops) == (True, False, 4)
    assert verdict.notes.endswith("1: recall")
    assert salvage_verdict('{"valid":true, "defender_correct":fal') is None
    assert salvage_verdict('{"valid":true, "notes":"cut') is None  # required fields missing
