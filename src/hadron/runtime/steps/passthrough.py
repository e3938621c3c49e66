"""``step: passthrough``: hands the row on unchanged (also a plain fan-in point for several branches)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict

from hadron.core import Row
from hadron.runtime.step import Step, StepContext, StepOutput


class Passthrough(Step):
    kind: ClassVar[str] = "passthrough"

    class Options(BaseModel):
        model_config = ConfigDict(extra="forbid")

    @classmethod
    def from_options(cls, name: str, options: Options) -> Passthrough:
        return cls(name)

    async def process(self, row: Row, ctx: StepContext) -> StepOutput:
        return row
