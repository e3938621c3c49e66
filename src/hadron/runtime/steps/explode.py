"""``step: explode``: one row per item of a list column (fan-out; children get ids ``<id>/<k>``)."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from hadron.core import Reject, Row
from hadron.runtime.step import Step, StepContext, StepOutput


class Explode(Step):
    kind: ClassVar[str] = "explode"

    class Options(BaseModel):
        model_config = ConfigDict(extra="forbid")
        column: str
        into: str | None = None
        """Column each child gets its item in; defaults to ``column`` itself."""

    def __init__(self, name: str | None = None, *, column: str, into: str | None = None) -> None:
        target = into or column
        super().__init__(name, inputs=(column,), outputs=(target,))
        self.column = column
        self.into = target

    @classmethod
    def from_options(cls, name: str, options: Options) -> Explode:
        return cls(name, column=options.column, into=options.into)

    async def process(self, row: Row, ctx: StepContext) -> StepOutput:
        items = row[self.column]
        if not isinstance(items, list):
            raise TypeError(f"column {self.column!r} holds {type(items).__name__}, not a list")
        if not items:
            return Reject("empty_list", {"column": self.column})
        return [{**row, self.into: item} for item in items]

    def config(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, "column": self.column, "into": self.into}
