"""``step: autoreason``: the tournament as a pipeline step (one row in, the same row plus its result out).

A row that cannot be refined (empty prompt, a teacher that returns nothing, a prompt the model
rejects as too long, a call that fails after retries) raises; the runtime writes it to the errors
file with the reason and the run goes on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from hadron.core import Row
from hadron.runtime.step import Step, StepContext, StepOutput
from hadron.tasks.autoreason.config import AutoReasonConfig
from hadron.tasks.autoreason.records import MethodColumns
from hadron.tasks.autoreason.tournament import Tournament, prompt_inputs, row_conversation

if TYPE_CHECKING:
    from hadron.llm import ModelHub

OUTPUT_COLUMNS: tuple[str, ...] = tuple(MethodColumns.model_fields)


class AutoReason(Step):
    kind: ClassVar[str] = "autoreason"
    default_outputs: ClassVar[tuple[str, ...]] = OUTPUT_COLUMNS

    class Options(AutoReasonConfig):
        input: str = "prompt"
        """The column holding the prompt. With the default, a row may hold ``messages`` instead (and
        ``system`` with either): ``hadron.core.conversation``."""

    def __init__(self, name: str | None = None, **options: Any) -> None:
        self.options = self.Options(**options)
        super().__init__(name, inputs=prompt_inputs(self.options.input), outputs=OUTPUT_COLUMNS)
        self._tournament: Tournament | None = None

    @classmethod
    def from_options(cls, name: str, options: Options) -> AutoReason:
        return cls(name, **options.model_dump())

    async def setup(self, models: ModelHub) -> None:
        self._tournament = Tournament.from_hub(models, self.options)

    async def process(self, row: Row, ctx: StepContext) -> StepOutput:
        tournament = self._tournament or Tournament.from_hub(ctx.models, self.options)
        result = await tournament.refine(row_conversation(row, self.options.input), ctx.row_id)
        return {**row, **result.to_columns()}

    def config(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, **self.options.model_dump(mode="json")}


__all__ = ["OUTPUT_COLUMNS", "AutoReason"]
