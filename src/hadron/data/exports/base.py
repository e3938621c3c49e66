"""What an export format is: a name, the kind of neutral record it reads, a file name, and a renderer
that turns one neutral record into a validated output model (the schema check before writing).

Record kinds (``RECORD_KINDS``) name the neutral record types; a task says which kinds it can extract
from its rows, a format says which kind it renders, and the two meet only by that name."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict

from hadron.data.exports.records import Conversation, CriticTriple, Preference, ReasoningTrace


class OutputModel(BaseModel):
    """Base of every written record: unknown keys are an error, unset optional keys are left out."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    def to_json_line(self) -> str:
        record = self.model_dump(mode="json", by_alias=True, exclude_none=True)
        return json.dumps(record, ensure_ascii=False)


@dataclass(frozen=True, slots=True)
class ExportFormat:
    """One target format. ``render`` raises pydantic's ValidationError for a record it cannot write."""

    name: str
    kind: str
    """A key of ``RECORD_KINDS``."""
    filename: str
    render: Callable[[Any], OutputModel]
    summary: str
    reader: str = ""
    """Which trainer or service reads the file (the exports README says so)."""
    dataset_info: Mapping[str, Any] | None = None
    """Its LLaMA-Factory ``dataset_info.json`` entry, less ``file_name`` (ShareGPT formats only)."""


RECORD_KINDS: dict[str, type[Any]] = {
    "sft": Conversation,
    "dpo": Preference,
    "cot": ReasoningTrace,
    "critic": CriticTriple,
    "critic_sft": Conversation,
}
"""Record kind → the neutral record type its extractors make and its formats render. A new kind is a
record type in ``records.py`` and one line here."""
