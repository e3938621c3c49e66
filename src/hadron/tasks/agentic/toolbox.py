"""The tools one episode offers: built-ins run by the environment, custom ones simulated by a model.

Every call is first checked against the *offered* schema (a scenario may offer fewer tools than its
family has): an unknown name, arguments that are not a JSON object, or arguments that break the schema
come back as an error result, the way a real function-calling API answers, and the call is marked
invalid so the trace builder can leave it out of the training conversation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hadron.tasks.agentic.envs.base import Environment, ToolResult, validation_problem
from hadron.tasks.agentic.envs.simulated import SimulatedTools
from hadron.tasks.agentic.scenario import ToolSpec


@dataclass(frozen=True, slots=True)
class Outcome:
    result: ToolResult
    valid: bool
    """False when the call itself was malformed (unknown tool, unparseable or schema-breaking arguments)."""


class ToolBox:
    def __init__(self, env: Environment, specs: list[ToolSpec], simulated: SimulatedTools | None) -> None:
        self.env = env
        self.specs = {spec.name: spec for spec in specs}
        self.simulated = simulated
        if simulated is None and any(spec.simulated for spec in specs):
            raise ValueError("custom tools need a simulator model")

    def openai_tools(self) -> list[dict[str, Any]]:
        return [spec.openai() for spec in self.specs.values()]

    async def call(self, name: str, arguments: Any) -> Outcome:
        spec = self.specs.get(name)
        if spec is None:
            return Outcome(
                ToolResult.error(f"unknown tool {name!r}; available: {', '.join(self.specs)}"), False
            )
        if not isinstance(arguments, dict):
            return Outcome(
                ToolResult.error(f"arguments for {name} must be a JSON object: {arguments!s:.200}"), False
            )
        problem = validation_problem(spec.parameters, arguments)
        if problem is not None:
            return Outcome(
                ToolResult.error(f"invalid arguments for {name}: {problem}", simulated=spec.simulated), False
            )
        if spec.simulated:
            assert self.simulated is not None
            return Outcome(await self.simulated.call(name, arguments), True)
        return Outcome(self.env.call(name, arguments), True)


__all__ = ["Outcome", "ToolBox"]
