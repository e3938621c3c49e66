"""Drop a row whose chosen fields nearly repeat an earlier row's (MinHash LSH over character shingles).

Character shingles (default 5) of the case-folded, whitespace-normalised text suit short prompts, where
word shingles would leave only a handful per row. The LSH index is approximate: pairs near ``threshold``
may go either way. Memory is the LSH index (a few dozen bytes per band per row). The first row to
arrive wins; put the filter right after the source when "first in the file" must be the one kept. A
resumed run rebuilds the index from the rows earlier sessions wrote (``restore``), with the same limits as
``ExactDedup``'s: the output rows must still hold the fields as the filter saw them, and a row a later
step dropped is not restored.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from hadron.core import Reject, Row
from hadron.errors import ConfigError
from hadron.runtime.steps.filter import FieldsFilter, normalise, same_lineage


class MinHashDedup(FieldsFilter):
    kind: ClassVar[str] = "minhash_dedup"
    keeps_state: ClassVar[bool] = True
    """Its LSH index is not shared across processes: multi-process executors refuse it."""

    class Options(BaseModel):
        model_config = ConfigDict(extra="forbid")
        fields: list[str] = ["prompt"]
        threshold: float = 0.8
        num_perm: int = 128
        shingle: int = 5

    def __init__(self, fields: Sequence[str] = ("prompt",), *, threshold: float = 0.8, num_perm: int = 128,
                 shingle: int = 5, name: str | None = None) -> None:
        from datasketch import MinHash, MinHashLSH

        if not 0.0 < threshold <= 1.0:
            raise ConfigError(f"minhash_dedup: threshold must be in (0, 1], got {threshold}")
        if num_perm < 2 or shingle < 1:
            raise ConfigError(f"minhash_dedup: need num_perm >= 2 and shingle >= 1 "
                              f"(got {num_perm} and {shingle})")
        super().__init__(fields, name)
        self.threshold, self.num_perm, self.shingle = threshold, num_perm, shingle
        self._blank = MinHash(num_perm=num_perm, seed=1)  # copied per row: permutations built once
        self._index = MinHashLSH(threshold=threshold, num_perm=num_perm)

    def _signature(self, row: Row) -> Any:
        """The row's MinHash, or None for text without a shingle (such a row is always kept)."""
        grams = shingles(normalise(" ".join(self.texts(row)), casefold=True), self.shingle)
        if not grams:
            return None
        signature = self._blank.copy()
        signature.update_batch([gram.encode() for gram in grams])
        return signature

    def keep(self, row: Row) -> bool | Reject:
        signature = self._signature(row)
        if signature is None:
            return True
        row_id = str(row.get("id"))
        matches = sorted(key for key in self._index.query(signature) if not same_lineage(key, row_id))
        if matches:
            return Reject("near_duplicate", {"duplicate_of": matches[0]})
        if row_id not in self._index:  # the same row seen again (a resumed run) is kept, not re-added
            self._index.insert(row_id, signature)
        return True

    async def restore(self, rows: Iterable[Row]) -> int:
        used = 0
        for row in rows:
            signature = self._signature(row) if self.has_fields(row) else None
            row_id = str(row.get("id"))
            if signature is not None and row_id not in self._index:
                self._index.insert(row_id, signature)
                used += 1
        return used

    def config(self) -> dict[str, Any]:
        return {**super().config(), "threshold": self.threshold, "num_perm": self.num_perm,
                "shingle": self.shingle}


def shingles(text: str, size: int) -> set[str]:
    """Character ``size``-grams; a text shorter than one shingle is its own single shingle."""
    if len(text) <= size:
        return {text} if text else set()
    return {text[start:start + size] for start in range(len(text) - size + 1)}
