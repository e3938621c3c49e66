"""What an environment is: state built from a scenario, tools that change and query it, checks on it.

A concrete environment declares a pydantic ``State`` (the scenario's ``initial_state``), an
``Assertion`` type (the scenario's ``success`` items) and its tools as methods marked ``@tool``. The
base validates every call against the tool's JSON Schema before the method runs, so a method only sees
well-formed arguments; it raises ``ToolError`` for a call the domain refuses ("no such customer"). Both
come back to the agent as an error result, the way a real API answers, never as an exception.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

import jsonschema
from pydantic import BaseModel, TypeAdapter

F = TypeVar("F", bound=Callable[..., Any])


class ToolError(Exception):
    """The domain refused a well-formed call; the message goes back to the agent."""


@dataclass(frozen=True, slots=True)
class ToolResult:
    """What a tool call returned, as the agent sees it (``content``), and how it ended."""

    content: str
    is_error: bool = False
    simulated: bool = False
    """True when a model imagined the result (a custom tool no environment implements)."""

    @classmethod
    def error(cls, message: str, *, simulated: bool = False) -> ToolResult:
        return cls(json.dumps({"error": message}, ensure_ascii=False), is_error=True, simulated=simulated)


@dataclass(frozen=True, slots=True)
class ToolDef:
    """A built-in tool: its OpenAI function schema parts and the method that runs it."""

    name: str
    description: str
    parameters: dict[str, Any]
    method: str


@dataclass(frozen=True, slots=True)
class Check:
    """One success assertion evaluated on the final state."""

    description: str
    ok: bool
    detail: str = ""


def tool(description: str, parameters: dict[str, Any] | None = None) -> Callable[[F], F]:
    """Mark an environment method as a tool; ``parameters`` is its JSON Schema (an object schema)."""
    schema = parameters or {"type": "object", "properties": {}, "additionalProperties": False}

    def mark(method: F) -> F:
        method.__tool__ = (description, schema)  # type: ignore[attr-defined]
        return method

    return mark


def validation_problem(schema: dict[str, Any], arguments: Any) -> str | None:
    """The first way ``arguments`` break ``schema`` (None when they fit), phrased for the agent."""
    validator = jsonschema.Draft202012Validator(schema)
    error = jsonschema.exceptions.best_match(validator.iter_errors(arguments))
    if error is None:
        return None
    where = ".".join(str(part) for part in error.absolute_path)
    return f"{where}: {error.message}" if where else error.message


def dumps(value: Any) -> str:
    """A tool's structured result as the JSON text the agent reads."""
    return json.dumps(value, ensure_ascii=False, sort_keys=False, default=str)


class Environment:
    """Base of the deterministic environments; subclasses add ``@tool`` methods and ``check``."""

    family: ClassVar[str] = ""
    State: ClassVar[type[BaseModel]]
    Assertion: ClassVar[Any]
    """A type for ``TypeAdapter``: one success assertion (often a union of small models)."""
    tools: ClassVar[dict[str, ToolDef]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        found = dict(cls.tools)
        for attr, value in vars(cls).items():
            marked = getattr(value, "__tool__", None)
            if marked is not None:
                description, schema = marked
                found[attr] = ToolDef(attr, description, schema, attr)
        cls.tools = found

    def __init__(self, state: BaseModel) -> None:
        self.state = state

    @classmethod
    def from_state(cls, data: dict[str, Any]) -> Environment:
        return cls(cls.State.model_validate(data))

    @classmethod
    def validate_state(cls, data: dict[str, Any]) -> None:
        """Raise ValueError when ``data`` cannot start an episode (used when scenarios load)."""
        cls.from_state(data)

    @classmethod
    def assertion_adapter(cls) -> TypeAdapter[Any]:
        return TypeAdapter(cls.Assertion)

    @classmethod
    def validate_assertion(cls, data: Any) -> None:
        """Raise ValueError when ``data`` is not a usable success assertion (used when scenarios load)."""
        cls.assertion_adapter().validate_python(data)

    def call(self, name: str, arguments: dict[str, Any]) -> ToolResult:
        """Run a built-in tool; bad names, arguments and refused calls become error results."""
        definition = self.tools.get(name)
        if definition is None:
            return ToolResult.error(f"unknown tool {name!r}; available: {', '.join(sorted(self.tools))}")
        problem = validation_problem(definition.parameters, arguments)
        if problem is not None:
            return ToolResult.error(f"invalid arguments for {name}: {problem}")
        try:
            content = getattr(self, definition.method)(**arguments)
        except ToolError as err:
            return ToolResult.error(str(err))
        return ToolResult(content if isinstance(content, str) else dumps(content))

    def check(self, assertion: Any) -> Check:
        """Evaluate one success assertion (an instance of ``Assertion``) on the current state."""
        raise NotImplementedError

    def check_all(self, assertions: list[dict[str, Any]]) -> list[Check]:
        adapter = self.assertion_adapter()
        return [self.check(adapter.validate_python(item)) for item in assertions]

    def snapshot(self) -> dict[str, Any]:
        """The final state, recorded with the episode."""
        return self.state.model_dump(mode="json")


__all__ = [
    "Check",
    "Environment",
    "ToolDef",
    "ToolError",
    "ToolResult",
    "dumps",
    "tool",
    "validation_problem",
]
