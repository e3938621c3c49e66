"""A tolerant view of one AutoReason / baseline row: only the fields the exports read (the row's
writer is ``records.py``; see briefs/autoreason_row.md).

Unknown keys are ignored, so source columns and future fields pass through; a field that is present but
malformed fails validation with its path (``trace.2.borda``), which the exporter reports with file:line.
Null-filled keys (Parquet struct columns) read the same as missing ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _View(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True, coerce_numbers_to_str=True)


class _Text(_View):
    """A model-written text; ``truncated`` / ``finish_reason`` are read if the row records them."""

    truncated: bool = False
    finish_reason: str | None = None

    @property
    def cut(self) -> bool:
        """The model stopped at its token limit."""
        return self.truncated or self.finish_reason == "length"


class Source(_View):
    """Which candidate of which pass produced a text (pass 0 = the teacher's draft)."""

    candidate: str
    pass_index: int = Field(alias="pass")
    index: int | None = None


class Produced(_Text):
    """A text written by one role in one pass (critique, B, AB)."""

    text: str
    reasoning: str | None = None
    model: str | None = None


class Incumbent(_Text):
    text: str
    source: Source | None = None


class Ballot(_View):
    """One judge's ballot: its ranking best first (candidates, not labels), null when unreadable."""

    judge: int | None = None
    ranking: list[str] | None = None
    valid: bool = False


class PassTrace(_View):
    """One tournament pass (or, for best_of_n, the single judging of all samples)."""

    pass_index: int = Field(alias="pass")
    incumbent: Incumbent | None = None
    critique: Produced | None = None
    b: Produced | None = None
    ab: Produced | None = None
    samples: list[str] | None = None
    ballots: list[Ballot] = Field(default_factory=list)
    borda: dict[str, int | None] | None = None
    winner: str | None = None
    void: bool = False
    short_circuit: bool = False

    def candidates(self) -> dict[str, str]:
        """Label → text of every candidate the judges saw in this pass, in a fixed order."""
        if self.samples is not None:
            return {str(index): text for index, text in enumerate(self.samples)}
        labelled = {"A": self.incumbent, "B": self.b, "AB": self.ab}
        return {label: item.text for label, item in labelled.items() if item is not None}

    def cut(self) -> set[str]:
        """Labels of the candidates that hit the token limit (samples carry no such mark)."""
        labelled = {"A": self.incumbent, "B": self.b, "AB": self.ab}
        return {label for label, item in labelled.items() if item is not None and item.cut}

    def scores(self) -> dict[str, int]:
        return {label: points for label, points in (self.borda or {}).items() if points is not None}


class RoleReasoning(_View):
    role: str
    pass_index: int = Field(alias="pass")
    text: str
    index: int | None = None


class RunRow(_Text):
    """One output row of a run: an AutoReason/baseline result, or a finished conversation (agentic).
    ``truncated`` / ``finish_reason`` describe the final generation."""

    id: str
    prompt: str | None = None
    system: str | None = None
    method: str | None = None
    generation: str | None = None
    final_source: Source | None = None
    trace: list[PassTrace] = Field(default_factory=list)
    reasoning: list[RoleReasoning] = Field(default_factory=list)
    messages: list[dict[str, Any]] | None = None
    tools: list[dict[str, Any]] | None = None

    @model_validator(mode="before")
    @classmethod
    def _drop_nulls(cls, data: Any) -> Any:
        return _without_nulls(data) if isinstance(data, Mapping) else data

    @classmethod
    def of(cls, row: Mapping[str, Any] | RunRow) -> RunRow:
        return row if isinstance(row, RunRow) else cls.model_validate(row)


def _without_nulls(row: Mapping[str, Any]) -> dict[str, Any]:
    """Top-level nulls mean "absent" (a list field written as null, a Parquet column for another row)."""
    return {key: value for key, value in row.items() if value is not None}
