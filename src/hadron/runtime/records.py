"""What a finished source row leaves behind: output rows, error records and reject records.

Error and reject records are the lines of ``RUN/errors.jsonl`` and ``RUN/rejects.jsonl`` (DESIGN.md rule
3: failures are records, not holes). ``source_id`` ties a fan-out child's record to the source row it
came from, which is what ``--retry-errors`` re-runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from hadron.core import Row
from hadron.errors import DuplicateIdError, InputError
from hadron.llm.accounting import Tally

SOURCE_STEP = "source"
"""The ``step`` of an error record for a malformed input line (and of a ``duplicate_id`` reject)."""
DUPLICATE_ID = "duplicate_id"
"""The reject reason of an input row whose id an earlier row already had (``keep-first``)."""


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class ErrorRecord(BaseModel):
    """A row (or fan-out child) that failed after the model layer's retries, or a malformed input line."""

    model_config = ConfigDict(extra="allow")

    id: str
    source_id: str
    step: str
    error_type: str
    message: str
    attempts: int = 1
    time: str = ""
    file: str | None = None
    line: int | None = None

    @classmethod
    def of(cls, exc: BaseException, *, row_id: str, source_id: str, step: str) -> ErrorRecord:
        attempts = getattr(exc, "attempts", 1)
        message = str(exc) or repr(exc)
        return cls(id=row_id, source_id=source_id, step=step, error_type=type(exc).__name__,
                   message=" ".join(message.split()), attempts=attempts if isinstance(attempts, int) else 1,
                   time=utc_now())

    @classmethod
    def of_input(cls, err: InputError) -> ErrorRecord:
        """A malformed source line; its id is ``file:line`` so a resumed run does not record it twice."""
        key = f"{err.path}:{err.line}" if err.line is not None else err.path
        return cls(id=key, source_id=key, step=SOURCE_STEP, error_type=type(err).__name__,
                   message=str(err), time=utc_now(), file=err.path, line=err.line)


class RejectRecord(BaseModel):
    """A row dropped on purpose by a step (``Reject``), counted by reason."""

    model_config = ConfigDict(extra="forbid")

    id: str
    source_id: str
    step: str
    reason: str
    detail: dict[str, Any] = {}

    @classmethod
    def of_duplicate(cls, err: DuplicateIdError) -> RejectRecord:
        """A repeated input id dropped by ``on_duplicate_id: keep-first``; its id is ``file:line`` (the
        row's own id belongs to the first row, which was kept)."""
        key = f"{err.path}:{err.line}"
        detail = {"id": err.row_id, "file": err.path, "line": err.line, "first_line": err.first_line}
        return cls(id=key, source_id=key, step=SOURCE_STEP, reason=DUPLICATE_ID, detail=detail)


@dataclass(slots=True)
class Outcome:
    """Everything one source row produced, recorded at once so a crash never half-records it."""

    source_id: str
    rows: list[Row] = field(default_factory=list)
    errors: list[ErrorRecord] = field(default_factory=list)
    rejects: list[RejectRecord] = field(default_factory=list)
    usage: dict[str, Tally] = field(default_factory=dict)
    """Its model calls by role (its own and its fan-out children's), journaled with it: the run's
    totals in ``stats.json`` are summed from these, so a killed session's finished rows still count."""

    def extend(self, other: Outcome) -> None:
        self.rows.extend(other.rows)
        self.errors.extend(other.errors)
        self.rejects.extend(other.rejects)

    def keep_only(self, ids: set[str]) -> None:
        """Keep the records for ``ids`` and their fan-out descendants (``--retry-errors`` of children)."""

        def wanted(row_id: str) -> bool:
            return any(row_id == i or row_id.startswith(i + "/") for i in ids)

        self.rows = [r for r in self.rows if wanted(str(r.get("id")))]
        self.errors = [e for e in self.errors if wanted(e.id)]
        self.rejects = [r for r in self.rejects if wanted(r.id)]
