"""The tools one episode offers: built-ins run by the environment, custom ones simulated by a model.

Every call is first checked against the *offered* schema (a scenario may offer fewer tools than its
family has): an unknown name, arguments that are not a JSON object, or arguments that break the schema
come back as an error result, the way a real function-calling API answers, and the call is marked
invalid so the trace builder can leave it out of the training conversation.

Built-in tools run in a worker thread with a time limit, so a slow environment call cannot block the
event loop (every other episode goes on); a call that runs past its limit answers with an error, and
the next call on the same environment waits for it to finish first, so the state is never touched by
two calls at once.
"""

from __future__ import annotations

import asyncio
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


TOOL_TIMEOUT_S = 10.0
"""Wall-clock limit of one built-in tool call (the simulated host answers in milliseconds)."""


class ToolBox:
    def __init__(
        self,
        env: Environment,
        specs: list[ToolSpec],
        simulated: SimulatedTools | None,
        *,
        timeout_s: float = TOOL_TIMEOUT_S,
    ) -> None:
        self.env = env
        self.specs = {spec.name: spec for spec in specs}
        self.simulated = simulated
        self.timeout_s = timeout_s
        self._running: asyncio.Future[ToolResult] | None = None
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
        return Outcome(await self._run(name, arguments), True)

    async def _run(self, name: str, arguments: dict[str, Any]) -> ToolResult:
        if not await self.settle():
            return ToolResult.error(
                f"{name}: the environment is still busy with an earlier call that timed out"
            )
        self._running = asyncio.ensure_future(asyncio.to_thread(self.env.call, name, arguments))
        try:
            return await asyncio.wait_for(asyncio.shield(self._running), self.timeout_s)
        except TimeoutError:
            return ToolResult.error(f"{name} timed out after {self.timeout_s:g}s")

    async def settle(self) -> bool:
        """Wait (up to the time limit) for a call that ran past its limit; True when none is running."""
        if self._running is None or self._running.done():
            return True
        try:
            await asyncio.wait_for(asyncio.shield(self._running), self.timeout_s)
        except TimeoutError:
            return False
        return True


__all__ = ["TOOL_TIMEOUT_S", "Outcome", "ToolBox"]
