"""Run statistics as values you can add (like datatrove's ``MetricStats``).

One ``RunStats`` per session; sessions of the same run directory (resumes, refreshes, retries) are
summed into ``RUN/stats.json`` with ``+``. Model-call accounting (calls, tokens, cost by role) comes from
the model layer's ``hub.meter`` and is stored next to it under ``models``.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class RunStats:
    rows_in: int = 0
    """Source rows handed to the pipeline (after skipping finished ones)."""
    rows_skipped: int = 0
    """Source rows already finished in an earlier session (resume / incremental refresh)."""
    rows_done: int = 0
    """Source rows whose outcome is recorded (written, failed or rejected)."""
    rows_out: int = 0
    """Output rows written (fan-out makes this larger than ``rows_done``)."""
    rows_failed: int = 0
    """Error records (a row, or one fan-out child, that failed)."""
    input_errors: int = 0
    """Malformed source lines (recorded in errors.jsonl with file:line)."""
    rejected: Counter[str] = field(default_factory=Counter)
    """Reject records by reason."""
    step_seconds: dict[str, float] = field(default_factory=dict)
    step_calls: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    """Wall-clock seconds of the session(s)."""

    def add_step(self, name: str, seconds: float) -> None:
        self.step_seconds[name] = self.step_seconds.get(name, 0.0) + seconds
        self.step_calls[name] = self.step_calls.get(name, 0) + 1

    @property
    def rows_rejected(self) -> int:
        return sum(self.rejected.values())

    def __add__(self, other: RunStats) -> RunStats:
        def merged(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
            return {k: a.get(k, 0) + b.get(k, 0) for k in a.keys() | b.keys()}

        return RunStats(
            rows_in=self.rows_in + other.rows_in,
            rows_skipped=self.rows_skipped + other.rows_skipped,
            rows_done=self.rows_done + other.rows_done,
            rows_out=self.rows_out + other.rows_out,
            rows_failed=self.rows_failed + other.rows_failed,
            input_errors=self.input_errors + other.input_errors,
            rejected=self.rejected + other.rejected,
            step_seconds=merged(self.step_seconds, other.step_seconds),
            step_calls=merged(self.step_calls, other.step_calls),
            seconds=self.seconds + other.seconds,
        )

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["rejected"] = dict(self.rejected)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunStats:
        known = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["rejected"] = Counter(values.get("rejected") or {})
        return cls(**values)


def tally_dict(value: Any) -> dict[str, Any]:
    """A model-layer ``Tally`` (dataclass or pydantic) as a plain dict of numbers."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if hasattr(value, "model_dump"):
        return dict(value.model_dump())
    return dict(vars(value))


def add_tallies(a: dict[str, dict[str, Any]], b: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Sum two ``{role: {field: number}}`` maps (used to accumulate ``models`` across sessions)."""
    out: dict[str, dict[str, Any]] = {}
    for role in sorted(a.keys() | b.keys()):
        x, y = a.get(role, {}), b.get(role, {})
        out[role] = {k: x.get(k, 0) + y.get(k, 0) for k in [*x, *(k for k in y if k not in x)]
                     if isinstance(x.get(k, 0), int | float) and isinstance(y.get(k, 0), int | float)}
    return out



def session_keys() -> frozenset[str]:
    """The keys of ``stats.json`` that sessions sum (the rest are sections written from finished rows)."""
    return frozenset({f.name for f in dataclasses.fields(RunStats)} | {"models"})
