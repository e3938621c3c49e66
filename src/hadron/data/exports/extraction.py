"""What a task's extractor returns for one row: the neutral records it made and why anything was left
out, so an export can report "written 12, skipped void_pass=3 identical_texts=1" instead of dropping
silently. A row that contradicts its task's row contract raises ``RowError``."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, model_validator

from hadron.data.exports.records import Conversation
from hadron.errors import HadronError

T = TypeVar("T")


class RowError(HadronError):
    """A row breaks its task's row contract; names the row id and the field."""

    def __init__(self, row_id: str, field_path: str, message: str) -> None:
        super().__init__(f"row {row_id!r}: {field_path}: {message}")
        self.row_id = row_id
        self.field_path = field_path


@dataclass(slots=True)
class Extraction(Generic[T]):
    """Records taken from one row, and counts of what was skipped, by reason."""

    records: list[T] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)

    def skip(self, reason: str) -> Extraction[T]:
        self.skipped[reason] += 1
        return self


Extractor = Callable[[Any], Extraction[Any]]
"""One record kind of one task: the task's parsed row view → records of that kind."""


class ChatRow(BaseModel):
    """A row that already holds a finished conversation (``messages``, OpenAI shape) and the tool
    schemas it offered, if any: the neutral view tasks whose rows are conversations share."""

    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True)

    id: str
    messages: list[dict[str, Any]] | None = None
    tools: list[dict[str, Any]] | None = None
    truncated: bool = False
    finish_reason: str | None = None
    """Of the conversation's last answer, where the task records it (``length``: cut by the limit)."""

    @model_validator(mode="before")
    @classmethod
    def _drop_nulls(cls, data: Any) -> Any:
        # A null column (Parquet, or a list written as null) reads the same as a missing one.
        return {k: v for k, v in data.items() if v is not None} if isinstance(data, dict) else data


def conversation_records(row: ChatRow) -> Extraction[Conversation]:
    """The row's conversation as one SFT record (checked to be trainable when built)."""
    out: Extraction[Conversation] = Extraction()
    if not row.messages:
        return out.skip("no_messages")
    out.records.append(Conversation.model_validate(
        {"row_id": row.id, "messages": row.messages, "tools": row.tools,
         "truncated": row.truncated or row.finish_reason == "length"}))
    return out
