"""Tools the judge can call: one small protocol, a registry of factories, and the Python sandbox tool.

A tool states its name, a description and a JSON schema for its arguments (the OpenAI tool shape is
built from them), and answers ``run(arguments)`` with a ``ToolOutput``. A tool that also names a
``text_argument`` can be used by models without native tool calls: a fenced block whose info string is
the tool's name (```` ```python ````) is run with its body as that argument.

Add a tool with ``register_tool("retrieve", factory)``; ``factory(config)`` builds it for a run and
``judge.tools: [python, retrieve]`` turns it on. A tool that raises or hangs is recorded as an error
of that call (``error_kind`` ``crashed`` / ``timeout``); the judge is told and the round goes on.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from hadron.errors import ConfigError
from hadron.sandbox import SandboxLimits, SandboxUnavailable, arun_python, check

if TYPE_CHECKING:
    from hadron.tasks.nanoflux.config import NanoFluxConfig


@dataclass(frozen=True, slots=True)
class ToolOutput:
    text: str
    """What the model is shown."""
    error_kind: str | None = None
    seconds: float = 0.0


class Tool(Protocol):
    name: str
    description: str
    parameters: dict[str, Any]
    """JSON schema of the arguments object."""
    text_argument: str | None
    """The argument a fenced block fills in the text protocol; None: native calls only."""
    timeout_s: float
    """The registry's own deadline for one call, on top of whatever the tool enforces itself."""

    async def run(self, arguments: dict[str, Any]) -> ToolOutput: ...


def openai_schema(tool: Tool) -> dict[str, Any]:
    """The tool as the ``tools`` entry of an OpenAI chat request."""
    return {"type": "function",
            "function": {"name": tool.name, "description": tool.description, "parameters": tool.parameters}}


async def call_tool(tool: Tool, arguments: dict[str, Any]) -> ToolOutput:
    """Run one call; a tool that raises or outlives its deadline becomes an error output."""
    start = time.perf_counter()
    try:
        return await asyncio.wait_for(tool.run(arguments), timeout=tool.timeout_s)
    except TimeoutError:
        return ToolOutput(f"error (timeout): no answer within {tool.timeout_s:g} s", "timeout",
                          time.perf_counter() - start)
    except Exception as exc:  # a plugged-in tool must not end the round
        return ToolOutput(f"error (crashed): {type(exc).__name__}: {exc}", "crashed",
                          time.perf_counter() - start)


class PythonTool:
    """Runs Python in the sandbox; the model sees stdout, the last expression's value, or the error."""

    def __init__(self, limits: SandboxLimits | None = None, *, output_chars: int = 2_000,
                 unsafe: bool = False) -> None:
        self.name = "python"
        self.description = (
            "Run Python 3 code (math, fractions, decimal, statistics, itertools; sympy when installed) "
            "in a sandbox and return what it prints and the value of its last expression. Use it to "
            "check arithmetic and numeric claims.")
        self.parameters: dict[str, Any] = {
            "type": "object", "properties": {"code": {"type": "string", "description": "Python source"}},
            "required": ["code"]}
        self.text_argument: str | None = "code"
        self.limits = limits or SandboxLimits()
        self.output_chars = output_chars
        self.timeout_s = self.limits.wall_seconds + 5.0
        self.unsafe = unsafe

    @classmethod
    def from_config(cls, config: NanoFluxConfig) -> PythonTool:
        """Refuses (``SandboxUnavailable``) before the run starts when the host has no OS boundary
        and the config does not allow unsafe runs."""
        report = check()
        if not report.available and not config.sandbox.unsafe:
            raise SandboxUnavailable(f"the judge's python tool needs an OS sandbox: {report.reason}",
                                     hint="see `hadron sandbox check`, or pass --unsafe-sandbox")
        return cls(config.sandbox.limits(), unsafe=not report.available)

    async def run(self, arguments: dict[str, Any]) -> ToolOutput:
        code = arguments.get("code")
        if not isinstance(code, str) or not code.strip():
            return ToolOutput("error (arguments): give the Python source in `code`", "arguments")
        result = await arun_python(code, self.limits, unsafe=self.unsafe)
        return ToolOutput(result.summary(self.output_chars), None if result.ok else result.status,
                          result.seconds)


ToolFactory = Callable[["NanoFluxConfig"], Tool]

_TOOLS: dict[str, ToolFactory] = {"python": PythonTool.from_config}


def register_tool(name: str, factory: ToolFactory) -> None:
    """Make ``name`` usable in ``judge.tools``; ``factory(config)`` builds the tool for a run."""
    _TOOLS[name] = factory


def known_tools() -> list[str]:
    return sorted(_TOOLS)


def build_tools(names: list[str], config: NanoFluxConfig) -> dict[str, Tool]:
    """The named tools, built for this run; an unknown name is a ConfigError listing the known ones."""
    tools: dict[str, Tool] = {}
    for name in names:
        factory = _TOOLS.get(name)
        if factory is None:
            raise ConfigError(f"unknown judge tool {name!r}", hint=f"known tools: {', '.join(known_tools())}")
        tool = factory(config)
        tools[tool.name] = tool
    return tools


__all__ = ["PythonTool", "Tool", "ToolFactory", "ToolOutput", "build_tools", "call_tool", "known_tools",
           "openai_schema", "register_tool"]
