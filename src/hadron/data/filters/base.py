"""A filter is a step that answers one question per row: keep it, or drop it and say why.

``Filter`` itself (``keep(row) -> True | Reject(reason)``, run by ``process``) lives with the runtime in
``hadron.runtime.steps.filter`` and is re-exported here; the runtime writes rejects to ``rejects.jsonl``
and counts them by reason. This module adds what filters over row text share.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Any, Self

from pydantic import BaseModel

from hadron.core import Row, canonical_json
from hadron.errors import ConfigError
from hadron.runtime.steps.filter import Filter

__all__ = ["FieldsFilter", "Filter", "normalise", "same_lineage"]


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
