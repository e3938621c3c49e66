"""The tool-augmented judge: check the round with tools, then give a structured verdict.

Phase 1 (only when the judge has tools): the judge reads the question, the reference answer and
explanation, and the defender's response, and may call tools. With a backend that supports tool
calls they go as OpenAI ``tools``; elsewhere the judge writes a fenced block (```` ```python ````)
that this loop runs and feeds back. Every call and its result is recorded as ``ToolEvidence``; a
tool that fails or times out is told to the judge and recorded, and the round goes on.

Phase 2: the verdict, asked with ``chat_json`` (schema-constrained where the backend can, re-asked
otherwise). A verdict that still does not parse leaves ``Judged.verdict`` None with the error; the
curator records that as the rejection ``judge_unparseable``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import jinja2

from hadron.llm import Tally
from hadron.llm.types import Completion, Message
from hadron.prompts import load_template, render
from hadron.tasks.nanoflux.config import JudgeConfig
from hadron.tasks.nanoflux.records import Candidate, Judged, RoundPlan, ToolEvidence, Verdict
from hadron.tasks.nanoflux.roles import TASK, Role, call_seed
from hadron.tasks.nanoflux.tools import Tool, ToolOutput, call_tool, openai_schema

if TYPE_CHECKING:
    from hadron.llm import ChatModel

Protocol = Literal["native", "text", "none"]

_FENCE = re.compile(r"```[ \t]*([A-Za-z_][\w.-]*)[ \t]*\n(.*?)(?:```|\Z)", re.DOTALL)
"""A fenced block; one still open at the end of the reply (cut off by ``max_tokens``) counts too."""
TEXT_ALIASES = {"py": "python", "python3": "python"}
VERDICT_STEP = 1_000
"""Seed step of the verdict call (tool-phase calls use 0, 1, 2, ...)."""
COMPUTE_STEP = 999
"""Seed step of the compute-first call."""
COMPUTE_EXAMPLE = ("Anna has 5 boxes of 12 eggs and breaks 7 eggs. How many eggs are left?",
                   "```python\nprint(5 * 12 - 7)\n```")
"""A worked turn shown before the compute-first question. Told only "reply with a ```python block,
like ``print(12 * 4 + 7)``", SmolLM2-135M copied the example's numbers and wrote recursive or cut-off
functions that shadow themselves (RecursionError) or are cut off: 0 of 8 measured blocks printed a
number. After this turn 8 of 8 printed one (issue #21)."""


@dataclass(frozen=True)
class Judge:
    role: Role
    tools: dict[str, Tool]
    verdict_prompt: jinja2.Template
    tool_result: jinja2.Template
    compute_prompt: jinja2.Template

    @classmethod
    def build(cls, config: JudgeConfig, tools: dict[str, Tool]) -> Judge:
        return cls(role=Role.build("judge", config, template="judge.j2"), tools=tools,
                   verdict_prompt=load_template("judge_verdict.j2", task=TASK),
                   tool_result=load_template("tool_result.j2", task=TASK),
                   compute_prompt=load_template("judge_compute.j2", task=TASK))

    @property
    def config(self) -> JudgeConfig:
        assert isinstance(self.role.config, JudgeConfig)
        return self.role.config

    def protocol(self, model: ChatModel) -> Protocol:
        if not self.tools or self.config.max_tool_calls == 0:
            return "none"
        wanted = self.config.tool_protocol
        if wanted == "auto":
            wanted = "native" if model.supports_tools else "text"
        if wanted == "text" and not any(t.text_argument for t in self.tools.values()):
            return "none"
        return wanted

    async def __call__(self, model: ChatModel, plan: RoundPlan, candidate: Candidate) -> Judged:
        assert candidate.attack is not None
        protocol = self.protocol(model)
        messages = self.role.messages(question=candidate.attack.question, answer=candidate.attack.answer,
                                      explanation=candidate.attack.explanation,
                                      defense=candidate.defense or "(no answer)", tools=protocol)
        evidence: list[ToolEvidence] = []
        if protocol == "native":
            messages = await self._native(model, plan, candidate, messages, evidence)
        elif protocol == "text":
            messages = await self._text(model, plan, candidate, messages, evidence)
        last = messages[-1]
        assessment = str(last.get("content") or "") if last.get("role") == "assistant" else ""
        messages = [*messages, {"role": "user", "content": render(self.verdict_prompt)}]
        structured = await model.chat_json(
            messages, Verdict, max_reasks=self.config.max_reasks, role="judge", route_key=plan.id,
            temperature=self.config.temperature, max_tokens=self.config.verdict_max_tokens,
            seed=call_seed(plan.id, "judge", VERDICT_STEP))
        for number, completion in enumerate(structured.completions):
            candidate.add_usage("judge", Tally.of(completion, reask=number > 0))
        raw = structured.completions[-1].text if structured.completions else ""
        verdict, error = structured.value, structured.error
        if verdict is None and (salvaged := salvage_verdict(raw)) is not None:
            verdict, error = salvaged, None
        return Judged(verdict=verdict, model=model.name, asks=len(structured.completions),
                      error=error, raw=raw, assessment=assessment.strip(), evidence=evidence)

    async def _ask(self, model: ChatModel, plan: RoundPlan, candidate: Candidate, messages: list[Message],
                   step: int, **options: Any) -> Completion:
        completion = await model.chat(messages, role="judge", route_key=plan.id,
                                      temperature=self.config.temperature, max_tokens=self.config.max_tokens,
                                      seed=call_seed(plan.id, "judge", step), **options)
        candidate.add_usage("judge", Tally.of(completion))
        return completion

    async def _native(self, model: ChatModel, plan: RoundPlan, candidate: Candidate,
                      messages: list[Message], evidence: list[ToolEvidence]) -> list[Message]:
        specs = [openai_schema(tool) for tool in self.tools.values()]
        left = self.config.max_tool_calls
        for step in range(self.config.max_tool_calls + 1):
            completion = await self._ask(model, plan, candidate, messages, step, tools=specs,
                                         tool_choice="auto" if left > 0 else "none")
            if not completion.tool_calls or left <= 0:
                return [*messages, {"role": "assistant", "content": completion.text}]
            messages = [*messages, {"role": "assistant", "content": completion.text or None,
                                    "tool_calls": completion.tool_calls}]
            for number, call in enumerate(completion.tool_calls):
                call_id = str(call.get("id") or f"call_{step}_{number}")
                function = call.get("function") or {}
                name = str(function.get("name") or "")
                arguments, output = _decode_arguments(function.get("arguments"))
                if output is None:
                    if left <= 0:
                        output = ToolOutput("error (limit): no more tool calls this round", "limit")
                    elif name not in self.tools:
                        output = ToolOutput(f"error (unknown_tool): there is no tool {name!r}",
                                            "unknown_tool")
                    else:
                        left -= 1
                        output = await call_tool(self.tools[name], arguments)
                evidence.append(_evidence(name, "native", call_id, arguments, output))
                messages = [*messages, {"role": "tool", "tool_call_id": call_id, "content": output.text}]
        return messages

    async def _text(self, model: ChatModel, plan: RoundPlan, candidate: Candidate,
                    messages: list[Message], evidence: list[ToolEvidence]) -> list[Message]:
        left = self.config.max_tool_calls
        first = 0
        if self.config.compute_first and left > 0:
            messages, left = await self._compute_first(model, plan, candidate, messages, evidence)
            first = 1
        for step in range(first, self.config.max_tool_calls + 1):
            completion = await self._ask(model, plan, candidate, messages, step)
            messages = [*messages, {"role": "assistant", "content": completion.text}]
            block = self._first_block(completion.text)
            if block is None or left <= 0:
                return messages
            tool, body = block
            assert tool.text_argument is not None
            arguments = {tool.text_argument: body}
            left -= 1
            output = await call_tool(tool, arguments)
            evidence.append(_evidence(tool.name, "text", f"text_{step}", arguments, output))
            feedback = render(self.tool_result, tool=tool.name, output=output.text, remaining=left)
            messages = [*messages, {"role": "user", "content": feedback}]
        return messages

    async def _compute_first(self, model: ChatModel, plan: RoundPlan, candidate: Candidate,
                             messages: list[Message],
                             evidence: list[ToolEvidence]) -> tuple[list[Message], int]:
        """Ask only for the computation, run its block, then open the full check with the result."""
        assert candidate.attack is not None
        system, check = messages[:-1], messages[-1]
        example_question, example_reply = COMPUTE_EXAMPLE
        example: list[Message] = [
            {"role": "user", "content": render(self.compute_prompt, question=example_question)},
            {"role": "assistant", "content": example_reply}]
        asked: Message = {"role": "user",
                          "content": render(self.compute_prompt, question=candidate.attack.question)}
        completion = await self._ask(model, plan, candidate, [*system, *example, asked], COMPUTE_STEP)
        block = self._first_block(completion.text)
        left = self.config.max_tool_calls
        if block is None:
            return messages, left
        tool, body = block
        assert tool.text_argument is not None
        arguments = {tool.text_argument: body}
        output = await call_tool(tool, arguments)
        left -= 1
        evidence.append(_evidence(tool.name, "text", "compute", arguments, output))
        feedback = render(self.tool_result, tool=tool.name, output=output.text, remaining=left)
        return [*system, asked, {"role": "assistant", "content": completion.text},
                {"role": "user", "content": f"{feedback}\n\n{check['content']}"}], left

    def _first_block(self, text: str) -> tuple[Tool, str] | None:
        for info, body in _FENCE.findall(text):
            name = TEXT_ALIASES.get(info.lower(), info.lower())
            tool = self.tools.get(name)
            if tool is not None and tool.text_argument and body.strip():
                return tool, body
        return None


_CUT_STRING = re.compile(r',\s*"notes"\s*:\s*"(?:[^"\\]|\\.)*$', re.DOTALL)


def salvage_verdict(raw: str) -> Verdict | None:
    """A verdict whose reply was cut off inside its last field, ``notes`` (small models loop there until
    ``max_tokens``, even under a JSON grammar): every field before it is complete, so keep those and
    the notes up to the cut. None when anything else is wrong."""
    text = raw.strip()
    match = _CUT_STRING.search(text)
    if not text.startswith("{") or match is None:
        return None
    try:
        data = json.loads(text[:match.start()] + "}")
        data["notes"] = json.loads(text[match.start():].split(":", 1)[1].strip() + '"')
        return Verdict.model_validate(data)
    except ValueError:
        return None


def _decode_arguments(raw: Any) -> tuple[dict[str, Any], ToolOutput | None]:
    """Tool-call arguments as a dict, or an error output to send back instead of running the tool."""
    if isinstance(raw, dict):
        return raw, None
    try:
        value = json.loads(raw) if isinstance(raw, str) and raw.strip() else {}
    except ValueError as err:
        return {"raw": str(raw)[:2000]}, ToolOutput(f"error (arguments): not valid JSON: {err}", "arguments")
    if not isinstance(value, dict):
        return {"raw": value}, ToolOutput("error (arguments): arguments must be a JSON object", "arguments")
    return value, None


def _evidence(tool: str, protocol: Literal["native", "text"], call_id: str, arguments: dict[str, Any],
              output: ToolOutput) -> ToolEvidence:
    return ToolEvidence(tool=tool, protocol=protocol, call_id=call_id, arguments=arguments,
                        output=output.text, error_kind=output.error_kind, seconds=round(output.seconds, 3))


__all__ = ["TEXT_ALIASES", "Judge", "Protocol", "salvage_verdict"]
