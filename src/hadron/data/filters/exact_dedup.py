"""Drop a row whose chosen fields repeat an earlier row's, after whitespace/Unicode normalisation.

Holds one 8-byte hash (and the first row's id) per distinct value. The first row to arrive wins, so put
the filter right after the source when "first in the file" must be the one kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from hadron.data.filters.base import FieldsFilter, normalise
from hadron.llm.types import stable_hash
from hadron.runtime.step import Reject, Row


class ExactDedup(FieldsFilter):
    kind: ClassVar[str] = "exact_dedup"

    class Options(BaseModel):
        model_config = ConfigDict(extra="forbid")
        fields: list[str] = ["prompt"]
        ignore_case: bool = False

    def __init__(self, fields: Sequence[str] = ("prompt",), *, ignore_case: bool = False,
                 name: str | None = None) -> None:
        super().__init__(fields, name)
        self.ignore_case = ignore_case
        self._first: dict[int, str] = {}

    def keep(self, row: Row) -> bool | Reject:
        key = stable_hash([normalise(text, casefold=self.ignore_case) for text in self.texts(row)])
        row_id = str(row.get("id"))
        first = self._first.setdefault(key, row_id)
        if first == row_id:  # new, or the same row seen again (a resumed run)
            return True
        return Reject("exact_duplicate", {"duplicate_of": first})

    def config(self) -> dict[str, Any]:
        return {**super().config(), "ignore_case": self.ignore_case}
