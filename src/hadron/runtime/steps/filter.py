"""Filters: a step that keeps a row or rejects it with a reason; the runtime counts rejects by reason."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable
from typing import ClassVar

from hadron.core import Reject, Row
from hadron.runtime.step import Step, StepContext, StepOutput


class Filter(Step):
    """Subclass and write ``keep(row)``: ``True`` keeps the row; ``False`` or ``Reject(reason)`` drops it.

    A dropped row goes to ``rejects.jsonl`` with its reason (``False`` uses ``reason``) and is counted
    in the run's stats by reason. ``keep`` may be sync or async.
    """

    reason: ClassVar[str] = "filtered"

    def keep(self, row: Row) -> bool | Reject | Awaitable[bool | Reject]:
        raise NotImplementedError

    async def process(self, row: Row, ctx: StepContext) -> StepOutput:
        verdict = self.keep(row)
        if inspect.isawaitable(verdict):
            verdict = await verdict
        if isinstance(verdict, Reject):
            return verdict
        return row if verdict else Reject(self.reason)
