"""Filters: a step that keeps a row or rejects it with a reason; the runtime counts rejects by reason.

``Filter`` is the base (``keep(row) -> True | Reject(reason)``); ``FieldsFilter`` adds what filters over
the text of some row fields share (the dedup filters next to this file build on it).
"""

from __future__ import annotations

import inspect
import unicodedata
from collections.abc import Awaitable, Sequence
from typing import Any, ClassVar, Self

from pydantic import BaseModel

from hadron.core import Reject, Row, canonical_json
from hadron.errors import ConfigError
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


class FieldsFilter(Filter):
    """A filter that looks at the text of some of the row's fields (``inputs`` = those fields)."""

    def __init__(self, fields: Sequence[str], name: str | None = None) -> None:
        if isinstance(fields, str) or not fields:
            raise ConfigError(f"{type(self).__name__}: fields must be a non-empty list of column names")
        super().__init__(name, inputs=tuple(fields))
        self.fields = tuple(fields)

    @classmethod
    def from_options(cls, name: str, options: BaseModel) -> Self:
        """Build from the kind's validated YAML options (``hadron.runtime.registry.build_step``)."""
        return cls(name=name, **options.model_dump())

    def has_fields(self, row: Row) -> bool:
        """Whether ``row`` holds every field; a restored output row may not, when a later step dropped one."""
        return all(field in row for field in self.fields)

    def texts(self, row: Row) -> list[str]:
        """Each field as text: strings as they are, anything else (messages, dicts) as canonical JSON."""
        texts = []
        for field in self.fields:
            if field not in row:
                raise ConfigError(f"{self.name}: row {row.get('id')!r} has no field {field!r}")
            value: Any = row[field]
            texts.append(value if isinstance(value, str) else canonical_json(value))
        return texts

    def config(self) -> dict[str, Any]:
        return {**super().config(), "fields": list(self.fields)}


def normalise(text: str, *, casefold: bool = False) -> str:
    """NFC, whitespace runs collapsed to one space, ends trimmed; optionally case-folded."""
    text = " ".join(unicodedata.normalize("NFC", text).split())
    return text.casefold() if casefold else text


def same_lineage(first: str, other: str) -> bool:
    """Whether two row ids are one row, or one is the other's fan-out descendant (``<parent>/<k>``).

    A filter upstream of a fan-out sees the parent, but a resumed run restores it from the output,
    which holds the children: rerunning the parent (``--retry-errors``) must not make it a duplicate
    of its own child."""
    return first == other or first.startswith(other + "/") or other.startswith(first + "/")
