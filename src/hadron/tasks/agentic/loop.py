"""The agent loop: the teacher calls tools, the environment runs them, results go back, until the teacher
answers (and the simulated user is done) or the turn cap is reached.

Tool calls come through the OpenAI tools API when the model supports it; otherwise the system prompt
teaches a text protocol, ``<tool_call>{"name": ..., "arguments": {...}}</tool_call>``, and the calls are
parsed from the reply. Either way the episode records them in one shape (OpenAI messages with ids we
assign, so they are unique and the same on every run). A malformed call gets an error result, as a real
API would answer, and the loop goes on. What the teacher is told beyond the scenario (the run's
guidance, the language policy's instruction, hidden refinement feedback) goes into the system prompt
sent to the model, never into the episode's own system message.
"""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hadron.core import stable_hash
from hadron.llm.errors import Rejected
from hadron.llm.structured import extract_json
from hadron.prompts import load_template, render
from hadron.tasks.agentic.config import LoopConfig
from hadron.tasks.agentic.envs.simulated import SimulatedTools
from hadron.tasks.agentic.registry import environment_class
from hadron.tasks.agentic.toolbox import ToolBox
from hadron.tasks.agentic.trace import Episode, ToolEvent, Turn

if TYPE_CHECKING:
    from hadron.llm import ChatModel, Completion
    from hadron.tasks.agentic.scenario import Scenario
    from hadron.tasks.agentic.user_sim import UserSimulator

TASK = "agentic"
_CALL = re.compile(r"<tool_call>\s*(.*?)\s*(?:</tool_call>|$)", re.DOTALL)


@dataclass(frozen=True, slots=True)
class ParsedCall:
    name: str
    arguments: Any
    """The decoded JSON object, or the raw text when it did not decode."""


def parse_text_calls(text: str) -> tuple[str, list[ParsedCall]]:
    """(visible text, calls) from a reply that may hold ``<tool_call>`` blocks (the last may be unclosed)."""
    calls = []
    for block in _CALL.findall(text):
        try:
            data = extract_json(block)
        except ValueError:
            calls.append(ParsedCall("", block))
            continue
        if not isinstance(data, dict):
            calls.append(ParsedCall("", block))
            continue
        name = data.get("name") or data.get("tool") or data.get("function") or ""
        arguments: Any = next((data[key] for key in ("arguments", "parameters", "args") if key in data), {})
        calls.append(ParsedCall(str(name), _decode(arguments)))
    visible = _CALL.sub("", text).strip() if calls else text.strip()
    return visible, calls


def parse_native_calls(tool_calls: list[dict[str, Any]]) -> list[ParsedCall]:
    calls = []
    for call in tool_calls:
        function = call.get("function") or {}
        calls.append(ParsedCall(str(function.get("name") or ""), _decode(function.get("arguments") or {})))
    return calls


def _decode(arguments: Any) -> Any:
    if isinstance(arguments, str):
        try:
            return json.loads(arguments) if arguments.strip() else {}
        except json.JSONDecodeError:
            return arguments
    return arguments


class AgentLoop:
    def __init__(
        self,
        teacher: ChatModel,
        settings: LoopConfig,
        *,
        user: UserSimulator | None = None,
        simulator: ChatModel | None = None,
        guidance: str = "",
    ) -> None:
        self.teacher = teacher
        self.settings = settings
        self.user = user
        self.simulator = simulator
        self.guidance = guidance.strip()

    def native(self) -> bool:
        protocol = self.settings.protocol
        return protocol == "native" or (protocol == "auto" and self.teacher.supports_tools)

    async def run(
        self,
        scenario: Scenario,
        *,
        route_key: str,
        attempt: int = 0,
        feedback: str | None = None,
        opening: str | None = None,
    ) -> Episode:
        """Play one episode of ``scenario`` (already a variant) on a fresh environment; ``opening`` replays
        an earlier attempt's first user message, so a refinement starts from the same visible context."""
        env = environment_class(scenario.family).from_state(scenario.initial_state)
        specs = scenario.tool_specs()
        simulated = None
        if any(spec.simulated for spec in specs):
            simulated = SimulatedTools(
                self.simulator or self.teacher,
                {spec.name: spec for spec in specs if spec.simulated},
                scenario.environment,
                route_key,
                temperature=self.settings.tool_sim_temperature,
            )
        toolbox = ToolBox(env, specs, simulated, timeout_s=self.settings.tool_timeout_s)
        system = render(load_template("agent_system.j2", task=TASK), environment=scenario.environment)
        opening = opening or await self._opening(scenario, route_key, attempt)
        episode = Episode(
            turns=[Turn({"role": "system", "content": system}), Turn({"role": "user", "content": opening})]
        )
        prefix = f"call_{stable_hash(route_key, attempt) % 16**6:06x}"
        user_messages = 1
        cap = scenario.max_turns or self.settings.max_turns
        for turn_index in range(cap):
            try:
                completion = await self._ask(
                    episode, toolbox, route_key, attempt, turn_index, feedback, scenario
                )
            except Rejected as err:
                episode.stop_reason, episode.note = "model_rejected", str(err)
                break
            episode.assistant_turns += 1
            episode.served_by.append(completion.served_by or completion.model)
            if self.native() and completion.tool_calls:
                visible, calls = completion.text.strip(), parse_native_calls(completion.tool_calls)
            else:
                visible, calls = parse_text_calls(completion.text)
            if calls:
                await self._run_calls(episode, toolbox, visible, calls, completion, prefix, turn_index)
                continue
            if not visible:
                episode.stop_reason = "empty_reply"
                episode.note = f"turn {turn_index}: the model replied with nothing"
                break
            episode.turns.append(Turn({"role": "assistant", "content": visible}, completion.reasoning))
            if self.user is None or user_messages >= scenario.user_turns:
                episode.stop_reason = "answered"
                break
            reply = await self.user.reply(scenario, episode.messages, route_key=route_key, attempt=attempt)
            if reply is None:
                episode.stop_reason = "user_done"
                break
            episode.turns.append(Turn({"role": "user", "content": reply}))
            user_messages += 1
        else:
            episode.stop_reason, episode.note = "turn_cap", f"no final answer within {cap} assistant turns"
        await toolbox.settle()
        episode.checks = await asyncio.to_thread(env.check_all, scenario.success)
        episode.final_state = env.snapshot()
        return episode

    async def _opening(self, scenario: Scenario, route_key: str, attempt: int) -> str:
        if scenario.opening or self.user is None:
            return scenario.opening or scenario.goal
        return await self.user.opening(scenario, route_key=route_key, attempt=attempt)

    async def _ask(
        self,
        episode: Episode,
        toolbox: ToolBox,
        route_key: str,
        attempt: int,
        turn: int,
        feedback: str | None,
        scenario: Scenario,
    ) -> Completion:
        native = self.native()
        system = episode.turns[0].message["content"]
        language = scenario.language
        told = [self.guidance, language.instruction() if language.prompt or language.recap else ""]
        system += "".join(f"\n\n{text}" for text in told if text)
        if not native:
            protocol = load_template("tool_protocol.j2", task=TASK)
            compact = self.settings.tool_list == "compact"
            system += "\n\n" + render(protocol, tools=list(toolbox.specs.values()), compact=compact)
        if feedback:
            system += "\n\n" + hint_text(feedback)
        body = episode.messages[1:] if native else to_text_protocol(episode.messages[1:])
        return await self.teacher.chat(
            [{"role": "system", "content": system}, *body],
            role="agent",
            route_key=route_key,
            temperature=self.settings.temperature,
            max_tokens=self.settings.max_tokens,
            seed=stable_hash("agent", route_key, attempt, turn) % 2**31,
            tools=toolbox.openai_tools() if native else None,
        )

    async def _run_calls(
        self,
        episode: Episode,
        toolbox: ToolBox,
        visible: str,
        calls: list[ParsedCall],
        completion: Completion,
        prefix: str,
        turn: int,
    ) -> None:
        numbered = [(f"{prefix}_{len(episode.events) + k}", call) for k, call in enumerate(calls)]
        episode.turns.append(
            Turn(
                {
                    "role": "assistant",
                    "content": visible or None,
                    "tool_calls": [
                        {
                            "id": call_id,
                            "type": "function",
                            "function": {"name": call.name, "arguments": _encode(call.arguments)},
                        }
                        for call_id, call in numbered
                    ],
                },
                completion.reasoning,
            )
        )
        for call_id, call in numbered:
            outcome = await toolbox.call(call.name, call.arguments)
            result = outcome.result
            content = _cut(result.content, self.settings.max_result_chars)
            episode.turns.append(
                Turn(
                    {
                        "role": "tool",
                        "tool_call_id": call_id,
                        "name": call.name or "unknown",
                        "content": content,
                    }
                )
            )
            episode.events.append(
                ToolEvent(
                    call_id,
                    call.name,
                    call.arguments,
                    result.content,
                    result.is_error,
                    result.simulated,
                    outcome.valid,
                    turn,
                )
            )


def hint_text(feedback: str) -> str:
    """The hidden note a rerun's teacher reads (never saved; the leak guard looks for it in replies)."""
    return render(load_template("refine_hint.j2", task=TASK), feedback=feedback)


def _cut(text: str, limit: int) -> str:
    """A tool result as the teacher reads it (and the conversation keeps it): at most ``limit`` characters."""
    return text if len(text) <= limit else text[:limit] + f"\n... [{len(text) - limit} more characters cut]"


def _encode(arguments: Any) -> str:
    return arguments if isinstance(arguments, str) else json.dumps(arguments, ensure_ascii=False)


def _call_block(function: dict[str, Any]) -> str:
    payload = {"name": function["name"], "arguments": _decode(function["arguments"])}
    return f"<tool_call>{json.dumps(payload, ensure_ascii=False)}</tool_call>"


def to_text_protocol(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Messages for a model without a tools API: calls written back as ``<tool_call>`` blocks, results
    as one user message of ``<tool_response>`` blocks."""
    out: list[dict[str, Any]] = []
    for message in messages:
        if message["role"] == "assistant" and message.get("tool_calls"):
            blocks = [_call_block(call["function"]) for call in message["tool_calls"]]
            text = "\n".join([message["content"], *blocks] if message.get("content") else blocks)
            out.append({"role": "assistant", "content": text})
        elif message["role"] == "tool":
            block = f'<tool_response name="{message.get("name")}">\n{message["content"]}\n</tool_response>'
            if out and out[-1]["role"] == "user" and out[-1]["content"].startswith("<tool_response"):
                out[-1] = {"role": "user", "content": out[-1]["content"] + "\n" + block}
            else:
                out.append({"role": "user", "content": block})
        else:
            out.append({"role": message["role"], "content": message.get("content") or ""})
    return out


__all__ = [
    "AgentLoop",
    "ParsedCall",
    "hint_text",
    "parse_native_calls",
    "parse_text_calls",
    "to_text_protocol",
]
