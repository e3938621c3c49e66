"""Step kinds resolve by name (built-in, registered, import path) and round-trip through YAML form."""

from __future__ import annotations

from typing import ClassVar

import pytest
from pydantic import BaseModel, ConfigDict, ValidationError

from hadron.core import Row
from hadron.errors import ConfigError
from hadron.runtime.registry import _registered, build_step, known_kinds, register_step, step_class, step_spec
from hadron.runtime.step import Step, StepContext, StepOutput
from hadron.runtime.steps import Generate, Passthrough


class Shout(Step):
    kind: ClassVar[str] = "shout_test"

    class Options(BaseModel):
        model_config = ConfigDict(extra="forbid")
        column: str = "prompt"

    def __init__(self, name: str | None = None, column: str = "prompt") -> None:
        super().__init__(name, inputs=(column,), outputs=(column,))
        self.column = column

    async def process(self, row: Row, ctx: StepContext) -> StepOutput:
        return {**row, self.column: str(row[self.column]).upper()}

    def config(self) -> dict[str, object]:
        return {"kind": self.kind, "name": self.name, "column": self.column}


class Plain(Step):
    async def process(self, row: Row, ctx: StepContext) -> StepOutput:
        return row


def test_builtin_kinds() -> None:
    assert step_class("generate") is Generate and step_class("passthrough") is Passthrough
    assert {"generate", "passthrough", "route", "explode", "exact_dedup"} <= set(known_kinds())


def test_unknown_kind_lists_the_known_ones() -> None:
    with pytest.raises(ConfigError, match=r"unknown step kind 'genrate' \(known kinds: .*generate"):
        step_class("genrate")


def test_register_and_build_with_validated_options() -> None:
    register_step(Shout)
    try:
        step = build_step("shout_test", "loud", {"column": "text"})
        assert isinstance(step, Shout) and step.name == "loud" and step.inputs == ("text",)
        with pytest.raises(ValidationError):
            build_step("shout_test", "loud", {"colum": "text"})
        assert step_spec(step) == {"step": "shout_test", "name": "loud", "column": "text"}
    finally:
        _registered.pop("shout_test", None)


def test_an_import_path_is_a_kind_so_python_steps_replay() -> None:
    spec = step_spec(Plain("mine"))
    assert spec == {"step": f"{__name__}:Plain", "name": "mine"}
    step = build_step(spec["step"], "mine", {})
    assert isinstance(step, Plain)
    with pytest.raises(ConfigError, match="takes no options"):
        build_step(spec["step"], "mine", {"x": 1})
    with pytest.raises(ConfigError, match="cannot import"):
        step_class("no.such.module:Thing")


def test_generate_spec_round_trips() -> None:
    step = Generate("answer", model="scripted:x", prompt="Q: {{ prompt }}", max_tokens=8)
    spec = step_spec(step)
    assert spec == {"step": "generate", "name": "answer", "model": "scripted:x", "prompt": "Q: {{ prompt }}",
                    "max_tokens": 8}
    rebuilt = build_step("generate", "answer", {k: v for k, v in spec.items() if k not in ("step", "name")})
    assert rebuilt.config() == step.config()
