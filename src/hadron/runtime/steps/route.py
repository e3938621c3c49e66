"""Routing: a row continues down exactly one of a router's downstream steps (its branches)."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from hadron.core import Row
from hadron.runtime.step import Step, StepContext, StepOutput


class Router(Step):
    """Subclass and write ``route``: return the name of the downstream step this row goes to.

    The other branches are skipped for this row; a fan-in step after the branches runs with the columns
    of the branch that was taken.
    """

    async def route(self, row: Row, ctx: StepContext) -> str:
        raise NotImplementedError

    def branches(self) -> tuple[str, ...]:
        """The step names ``route`` may return, when known up front (checked against the graph)."""
        return ()

    async def process(self, row: Row, ctx: StepContext) -> StepOutput:
        return row


class RouteByColumn(Router):
    """``step: route``: pick the branch from a column's value (``branches: {value: step}``)."""

    kind: ClassVar[str] = "route"

    class Options(BaseModel):
        model_config = ConfigDict(extra="forbid")
        column: str
        branches: dict[str, str]
        default: str | None = None
        """Branch for values not listed in ``branches``; without it such a row is an error record."""

    def __init__(self, name: str | None = None, *, column: str, branches: dict[str, str],
                 default: str | None = None) -> None:
        super().__init__(name, inputs=(column,))
        self.column = column
        self.table = dict(branches)
        self.default = default

    @classmethod
    def from_options(cls, name: str, options: Options) -> RouteByColumn:
        return cls(name, column=options.column, branches=options.branches, default=options.default)

    def branches(self) -> tuple[str, ...]:
        targets = list(dict.fromkeys(self.table.values()))
        return tuple(targets + ([self.default] if self.default and self.default not in targets else []))

    async def route(self, row: Row, ctx: StepContext) -> str:
        value = row.get(self.column)
        target = self.table.get(str(value), self.default)
        if target is None:
            raise ValueError(f"no branch for {self.column}={value!r} and no default")
        return target

    def config(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, "column": self.column, "branches": self.table,
                "default": self.default}
