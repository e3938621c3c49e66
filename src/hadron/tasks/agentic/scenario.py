"""Scenarios: what an episode is about, read from YAML and checked before any model is called.

A scenario names its family (which environment executes its tools), the user's goal and persona (seen by
the user simulator and the reviewer, never by the agent), what the agent is told about its environment,
the tools offered (built-in names, or full JSON Schema definitions for custom tools, which a model then
simulates), the initial state, success assertions on the final state, a weighted rubric, a language
policy, a difficulty, variant parameters, and how many episodes it contributes (``target_count``) or its
weight in a mix. Every mistake in a file is reported as ``file:line: what is wrong``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

import jsonschema
import yaml
from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from hadron.core.config import YamlDoc, config_error, describe, parse_yaml, read_text, validate
from hadron.errors import ConfigError, InputError
from hadron.tasks.agentic.language import LanguagePolicy
from hadron.tasks.agentic.registry import ALL, FAMILIES, environment_class, shipped_scenarios

_TEMPLATES = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True)
_WHOLE = re.compile(r"\{\{(?!.*\{\{)(.*?)\}\}", re.DOTALL)
_RENDERED = ("goal", "persona", "environment", "opening", "initial_state", "success")


class ToolSpec(BaseModel):
    """A function tool: the OpenAI ``function`` object (name, description, JSON Schema parameters)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")
    description: str = ""
    parameters: dict[str, Any] = Field(default_factory=lambda: {"type": "object", "properties": {}})
    returns: str | None = None
    """For a simulated tool: what its results look like (shown to the simulating model)."""
    simulated: bool = False
    """Set when scenarios load: no environment implements this tool, so a model imagines its results."""

    @field_validator("parameters")
    @classmethod
    def _json_schema(cls, schema: dict[str, Any]) -> dict[str, Any]:
        try:
            jsonschema.Draft202012Validator.check_schema(schema)
        except jsonschema.SchemaError as err:
            where = ".".join(str(part) for part in err.absolute_path)
            raise ValueError(
                f"not a valid JSON Schema{f' at {where}' if where else ''}: {err.message}"
            ) from None
        if schema.get("type") != "object":
            raise ValueError('tool parameters must be an object schema ("type": "object")')
        return schema

    def openai(self) -> dict[str, Any]:
        """The tool as offered in a chat request and written to the ``tools`` column."""
        function: dict[str, Any] = {"name": self.name, "parameters": self.parameters}
        if self.description:
            function["description"] = self.description
        return {"type": "function", "function": function}


class RubricItem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[A-Za-z0-9_-]+$")
    description: str = Field(min_length=1)
    weight: float = Field(default=1.0, gt=0)


class Scenario(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    family: str
    title: str = ""
    goal: str = Field(min_length=1)
    persona: str = "A customer who answers questions briefly and does not know the system's internals."
    environment: str = Field(min_length=1)
    """What the agent is told about where it works (its system prompt); the goal stays hidden."""
    opening: str | None = None
    """The user's first message; None lets the user simulator write it from the goal and persona."""
    user_turns: int = Field(default=1, ge=1, le=20)
    """How many messages the user may send; more than one makes the user simulator answer the agent."""
    tools: list[str | ToolSpec] = Field(default_factory=list)
    """Built-in tool names or full definitions; empty offers every built-in tool of the family."""
    initial_state: dict[str, Any] = Field(default_factory=dict)
    success: list[dict[str, Any]] = Field(default_factory=list)
    rubric: list[RubricItem] = Field(min_length=1)
    language: LanguagePolicy = Field(default_factory=LanguagePolicy)
    difficulty: Literal["easy", "medium", "hard"] = "medium"
    parameters: dict[str, list[Any]] = Field(default_factory=dict)
    """Variant parameters: episode k takes the k-th combination (in order) and renders ``{{ name }}`` in
    the goal, persona, environment, opening, initial state and success checks."""
    target_count: int = Field(default=1, ge=0)
    weight: float = Field(default=1.0, gt=0)
    max_turns: int | None = Field(default=None, ge=1, le=100)
    _origin: str = PrivateAttr(default="")

    @field_validator("parameters")
    @classmethod
    def _non_empty(cls, value: dict[str, list[Any]]) -> dict[str, list[Any]]:
        empty = [name for name, values in value.items() if not values]
        if empty:
            raise ValueError(f"parameters {empty} have no values")
        return value

    @model_validator(mode="after")
    def _unique(self) -> Scenario:
        ids = [item.id for item in self.rubric]
        if len(set(ids)) != len(ids):
            raise ValueError(f"rubric ids repeat: {ids}")
        names = [tool if isinstance(tool, str) else tool.name for tool in self.tools]
        if len(set(names)) != len(names):
            raise ValueError(f"tool names repeat: {names}")
        return self

    @property
    def origin(self) -> str:
        """``file:line`` the scenario was read from (empty when built in code)."""
        return self._origin

    def tool_specs(self) -> list[ToolSpec]:
        """The offered tools, built-in names resolved; custom tools the environment lacks are simulated."""
        env = environment_class(self.family)
        if not self.tools:
            return [
                ToolSpec(name=t.name, description=t.description, parameters=t.parameters)
                for t in env.tools.values()
            ]
        specs = []
        for tool in self.tools:
            if isinstance(tool, str):
                if tool not in env.tools:
                    raise ValueError(
                        f"family {self.family!r} has no built-in tool {tool!r} "
                        f"(built-in: {', '.join(env.tools)})"
                    )
                builtin = env.tools[tool]
                specs.append(
                    ToolSpec(name=tool, description=builtin.description, parameters=builtin.parameters)
                )
            elif tool.name in env.tools:
                raise ValueError(
                    f"custom tool {tool.name!r} has the name of a built-in tool; "
                    "list the built-in by name instead"
                )
            else:
                specs.append(tool.model_copy(update={"simulated": True}))
        return specs

    def variant_count(self) -> int:
        count = 1
        for values in self.parameters.values():
            count *= len(values)
        return count

    def variant(self, index: int) -> tuple[Scenario, dict[str, Any]]:
        """The scenario for episode ``index`` with its parameters filled in, and those parameters."""
        if not self.parameters:
            return self, {}
        params: dict[str, Any] = {}
        stride = 1
        for name, values in self.parameters.items():
            params[name] = values[(index // stride) % len(values)]
            stride *= len(values)
        data = self.model_dump(include=set(_RENDERED))
        rendered = self.model_copy(update={key: _render(value, params) for key, value in data.items()})
        return rendered, params


def _render(value: Any, params: dict[str, Any]) -> Any:
    """Fill ``{{ name }}`` in every string; a string that is one whole ``{{ expression }}`` keeps the
    expression's type (so ``quantity: "{{ n }}"`` stays a number)."""
    if isinstance(value, str):
        whole = _WHOLE.fullmatch(value)
        if whole is not None:
            return _TEMPLATES.compile_expression(whole.group(1), undefined_to_none=False)(params)
        return _TEMPLATES.from_string(value).render(params) if "{{" in value or "{%" in value else value
    if isinstance(value, list):
        return [_render(item, params) for item in value]
    if isinstance(value, dict):
        return {_render(key, params): _render(item, params) for key, item in value.items()}
    return value


# -- loading ---------------------------------------------------------------------------------------------


def load_scenarios(source: str | Path) -> list[Scenario]:
    """Scenarios from a YAML file, a folder of them (searched recursively), a family name or ``all``."""
    files = _scenario_files(source)
    scenarios: list[Scenario] = []
    seen: dict[str, str] = {}
    for path, text in files:
        for scenario in _parse_file(path, text):
            if scenario.id in seen:
                raise InputError(
                    scenario.origin.rsplit(":", 1)[0],
                    f"scenario id {scenario.id!r} repeats (first at {seen[scenario.id]})",
                    line=_origin_line(scenario.origin),
                )
            seen[scenario.id] = scenario.origin
            scenarios.append(scenario)
    if not scenarios:
        raise InputError(str(source), "no scenarios found", hint="expected *.yaml files with scenarios")
    return scenarios


def _scenario_files(source: str | Path) -> list[tuple[str, str]]:
    path = Path(source)
    if path.is_file():
        return [(str(path), read_text(path))]
    if path.is_dir():
        found = sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
        if not found:
            raise InputError(str(path), "no *.yaml scenario files in this folder")
        return [(str(p), read_text(p)) for p in found]
    name = str(source)
    families = list(FAMILIES) if name == ALL else [name] if name in FAMILIES else None
    if families is None:
        raise ConfigError(
            f"no scenario file or folder {name!r}, and it is not a family name",
            hint=f"families: {', '.join([*FAMILIES, ALL])}",
        )
    files = []
    for family in families:
        folder = shipped_scenarios(family)
        for entry in sorted(folder.iterdir(), key=lambda e: e.name):
            if entry.name.endswith((".yaml", ".yml")):
                files.append((f"{family}/{entry.name}", entry.read_text(encoding="utf-8")))
    return files


def _parse_file(where: str, text: str) -> Iterable[Scenario]:
    doc = parse_yaml(text, where)
    mapping = isinstance(doc.data, dict) and isinstance(doc.node, yaml.MappingNode)
    sequence = isinstance(doc.data, list) and isinstance(doc.node, yaml.SequenceNode)
    if not (mapping or sequence):
        raise InputError(where, "expected a scenario (a mapping) or a list of scenarios", line=1)
    for item in doc.items():
        yield _parse_one(item)


def _parse_one(doc: YamlDoc) -> Scenario:
    data, where = doc.data, doc.path
    if not isinstance(data, dict):
        raise InputError(where, "each scenario must be a mapping", line=doc.line())
    if "family" in data and data["family"] not in FAMILIES:
        raise InputError(
            where,
            f"unknown family {data['family']!r} (known: {', '.join(FAMILIES)})",
            line=doc.line(("family",)),
        )
    scenario = validate(Scenario, data, doc, indices="dots")
    scenario._origin = f"{where}:{doc.line()}"
    _check_against_environment(doc, scenario)
    return scenario


def _check_against_environment(doc: YamlDoc, scenario: Scenario) -> None:
    """Tools resolve, the initial state builds, success checks parse, and every variant renders."""
    where = doc.path
    env = environment_class(scenario.family)
    try:
        scenario.tool_specs()
    except ValueError as err:
        raise InputError(where, f"tools: {err}", line=doc.line(("tools",))) from None
    for index in range(min(scenario.variant_count(), 64)):
        try:
            variant, _ = scenario.variant(index)
        except TemplateError as err:
            raise InputError(where, f"variant {index}: template error: {err}", line=doc.line()) from None
        try:
            env.validate_state(variant.initial_state)
        except ValidationError as err:
            raise config_error(err, doc, data=variant.initial_state, prefix=("initial_state",),
                               indices="dots") from None
        except (ValueError, TypeError) as err:
            raise InputError(where, f"initial_state: {err}", line=doc.line(("initial_state",))) from None
        for number, assertion in enumerate(variant.success):
            try:
                env.validate_assertion(assertion)
            except (ValueError, TypeError) as err:
                problem = describe(err, assertion, indices="dots") if isinstance(err, ValidationError) \
                    else err
                raise InputError(
                    where, f"success.{number}: {problem}", line=doc.line(("success", number))
                ) from None


def _origin_line(origin: str) -> int | None:
    tail = origin.rsplit(":", 1)[-1]
    return int(tail) if tail.isdigit() else None


__all__ = ["RubricItem", "Scenario", "ToolSpec", "load_scenarios"]
