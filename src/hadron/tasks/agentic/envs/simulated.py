"""Custom tools no environment implements: a model imagines each result, and the result says so.

Only tools a scenario declares with a full schema and a name its family does not implement land here.
Arguments are validated against the declared schema first (an invalid call gets the same error result a
real tool would give, without asking the model). Earlier simulated results of the episode are shown to
the model so that, say, a tracking number stays the same across calls. Every result carries
``simulated=True`` into the episode's tool log, so the output can be filtered on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from hadron.core import canonical_json, stable_hash
from hadron.llm.structured import extract_json
from hadron.prompts import load_template, render
from hadron.tasks.agentic.envs.base import ToolResult, validation_problem

if TYPE_CHECKING:
    from hadron.llm import ChatModel
    from hadron.tasks.agentic.scenario import ToolSpec

TASK = "agentic"


@dataclass
class SimulatedTools:
    """The simulated tools of one episode, with the results given so far."""

    model: ChatModel
    specs: dict[str, ToolSpec]
    environment: str
    route_key: str
    temperature: float = 0.2
    max_tokens: int = 384
    history: list[dict[str, Any]] = field(default_factory=list)

    async def call(self, name: str, arguments: dict[str, Any]) -> ToolResult:
        spec = self.specs[name]
        problem = validation_problem(spec.parameters, arguments)
        if problem is not None:
            return ToolResult.error(f"invalid arguments for {name}: {problem}", simulated=True)
        prompt = render(
            load_template("tool_sim.j2", task=TASK),
            tool=spec,
            arguments=arguments,
            environment=self.environment,
            history=self.history,
        )
        seed = (
            stable_hash("tool_sim", self.route_key, name, canonical_json(arguments), len(self.history))
            % 2**31
        )
        completion = await self.model.chat(
            [{"role": "user", "content": prompt}],
            role="tool_sim",
            route_key=self.route_key,
            temperature=self.temperature,
            max_tokens=self.max_tokens,
            seed=seed,
        )
        content = _tidy(completion.text)
        self.history.append({"name": name, "arguments": arguments, "content": content})
        return ToolResult(content, simulated=True)


def _tidy(text: str) -> str:
    """The result without fences or chatter: compact JSON when the reply holds JSON, else the text."""
    text = text.strip()
    try:
        value = extract_json(text)
    except ValueError:
        return text or "{}"
    return canonical_json(value)


__all__ = ["SimulatedTools"]
