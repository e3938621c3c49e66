"""Drop a row whose chosen fields repeat an earlier row's, after whitespace/Unicode normalisation.

Holds one 8-byte hash (and the first row's id) per distinct value. The first row to arrive wins, so put
the filter right after the source when "first in the file" must be the one kept. A resumed run rebuilds
the hashes from the rows earlier sessions wrote (``restore``), so it rejects what an uninterrupted run
would, as long as the output rows still hold the fields as the filter saw them (no later step drops or
rewrites them; a row missing one is passed over). A row that passed the filter but was dropped by a later
step is not in the output: after a resume, a repeat of it is not recognised and meets that step again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from hadron.core import Reject, Row, stable_hash
from hadron.runtime.shared_state import LocalState, SharedState
from hadron.runtime.steps.filter import FieldsFilter, normalise, same_lineage


class ExactDedup(FieldsFilter):
    kind: ClassVar[str] = "exact_dedup"
    keeps_state: ClassVar[bool] = True
    shares_state: ClassVar[bool] = True

    class Options(BaseModel):
        model_config = ConfigDict(extra="forbid")
        fields: list[str] = ["prompt"]
        ignore_case: bool = False

    def __init__(self, fields: Sequence[str] = ("prompt",), *, ignore_case: bool = False,
                 name: str | None = None) -> None:
        super().__init__(fields, name)
        self.ignore_case = ignore_case
        self._first: SharedState = LocalState()
        """Value hash -> id of the first row that had it."""

    def share_state(self, state: SharedState) -> None:
        self._first = state

    def _key(self, row: Row) -> str:
        return str(stable_hash([normalise(text, casefold=self.ignore_case) for text in self.texts(row)]))

    async def keep(self, row: Row) -> bool | Reject:
        row_id = str(row.get("id"))
        first = await self._first.claim(self._key(row), row_id)
        if same_lineage(first, row_id):  # new, or the same row seen again (a resumed run)
            return True
        return Reject("exact_duplicate", {"duplicate_of": first})

    async def restore(self, rows: Iterable[Row]) -> int:
        used = 0
        for row in rows:
            if self.has_fields(row):
                await self._first.claim(self._key(row), str(row.get("id")))
                used += 1
        return used

    def config(self) -> dict[str, Any]:
        return {**super().config(), "ignore_case": self.ignore_case}
