"""``step: generate``: render a Jinja prompt from the row's columns, ask a model, write the answer.

The prompt's variables are the step's inputs, so a typo in a template is caught by the graph check
before any call. ``n > 1`` samples the prompt ``n`` times (fan-out: children ``<id>/<k>``), each with its
own ``sample_index`` and seed so the request cache keeps them apart.
"""

from __future__ import annotations

import asyncio
import re
from typing import TYPE_CHECKING, Any, ClassVar

from jinja2 import StrictUndefined, TemplateSyntaxError, meta
from jinja2.sandbox import SandboxedEnvironment
from pydantic import BaseModel, ConfigDict, Field

from hadron.core import Row
from hadron.errors import ConfigError
from hadron.llm.config import ModelSpec
from hadron.runtime.step import Step, StepContext, StepOutput

if TYPE_CHECKING:
    from hadron.llm.hub import ModelHub

_ENV = SandboxedEnvironment(undefined=StrictUndefined, keep_trailing_newline=True, autoescape=False)
_ONE_COLUMN = re.compile(r"^\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}$")


class Template:
    """A Jinja template; ``{{ column }}`` alone (the default prompt) skips Jinja, which costs ~0.1 ms."""

    def __init__(self, source: str) -> None:
        match = _ONE_COLUMN.match(source)
        self.column = match.group(1) if match else None
        self.template = _ENV.from_string(source)
        self.variables = meta.find_undeclared_variables(_ENV.parse(source))

    def render(self, row: Row) -> str:
        if self.column is not None:
            value = row[self.column]
            return value if isinstance(value, str) else self.template.render(row)
        return self.template.render(row)


class Generate(Step):
    kind: ClassVar[str] = "generate"

    class Options(BaseModel):
        model_config = ConfigDict(extra="forbid")
        model: ModelSpec = "local"
        """A spec (``local``, ``openai:gpt-4o-mini``, ``http://host/v1#m``), a spec with settings
        (``{spec: openai:gpt-4o-mini, rpm: 500}``), a full ``ModelConfig`` or a ``PoolConfig``."""
        prompt: str = "{{ prompt }}"
        """Jinja template of the user message; variables are row columns."""
        system: str | None = None
        """Optional Jinja template of a system message."""
        output: str = "generation"
        reasoning_output: str | None = "reasoning"
        """Column for the model's reasoning trace when it returns one (``null`` to drop it)."""
        temperature: float | None = None
        max_tokens: int | None = Field(default=None, gt=0)
        n: int = Field(default=1, ge=1)
        seeded: bool = True
        """Send a seed derived from the row id, so sampling is reproducible where the server honours it."""
        role: str = "generate"
        """Accounting role for the model layer's meter."""

    def __init__(self, name: str | None = None, **options: Any) -> None:
        self.options = self.Options(**options)
        try:
            self._prompt = Template(self.options.prompt)
            self._system = Template(self.options.system) if self.options.system else None
        except TemplateSyntaxError as exc:
            raise ConfigError(f"step {name or self.kind!r}: prompt template line {exc.lineno}: {exc.message}"
                              ) from exc
        variables = self._prompt.variables | (self._system.variables if self._system else set())
        outputs = [self.options.output]
        if self.options.reasoning_output:
            outputs.append(self.options.reasoning_output)
        super().__init__(name, inputs=tuple(sorted(variables)), outputs=tuple(outputs))
        self._model: Any = None

    @classmethod
    def from_options(cls, name: str, options: Options) -> Generate:
        return cls(name, **options.model_dump())

    async def setup(self, models: ModelHub) -> None:
        self._model = models.get(self.options.model)

    async def process(self, row: Row, ctx: StepContext) -> StepOutput:
        model = self._model if self._model is not None else ctx.models.get(self.options.model)
        messages = [{"role": "user", "content": self._prompt.render(row)}]
        if self._system is not None:
            messages.insert(0, {"role": "system", "content": self._system.render(row)})
        opts = self.options

        async def sample(k: int) -> Row:
            completion = await model.chat(
                messages, role=opts.role, route_key=ctx.row_id, temperature=opts.temperature,
                max_tokens=opts.max_tokens, seed=ctx.seed(self.name, k) % 2**31 if opts.seeded else None,
                sample_index=k)
            out = {**row, opts.output: completion.text}
            if opts.reasoning_output and completion.reasoning:
                out[opts.reasoning_output] = completion.reasoning
            return out

        if opts.n == 1:
            return await sample(0)
        return list(await asyncio.gather(*(sample(k) for k in range(opts.n))))

    def config(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, **self.options.model_dump(exclude_defaults=True)}
