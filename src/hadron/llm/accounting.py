"""What model calls cost: calls, retries, cache hits, re-asks, tokens, dollars, seconds.

A ``Tally`` is a plain sum that adds with ``+``; a ``Meter`` keeps one per role, per model and per row
(rows are popped by the runtime when they finish, so memory stays flat on big datasets).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, fields
from typing import Any

from hadron.llm.errors import LLMError, RetriesExhausted
from hadron.llm.types import Completion


@dataclass(slots=True)
class Tally:
    calls: int = 0
    """Calls asked of the model layer, cache hits included."""
    retries: int = 0
    cache_hits: int = 0
    reasks: int = 0
    errors: int = 0
    """Calls that failed after retries (or were rejected)."""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    """What the answers cost when they were made, cache replays included (budgets count this)."""
    seconds: float = 0.0
    truncated: int = 0
    """Calls whose answer was cut off by ``max_tokens`` (finish_reason ``length``)."""
    saved_usd: float = 0.0
    """The part of ``cost_usd`` replayed from the cache: not paid again this time."""
    unpriced: int = 0
    """Calls to a model with no known price: their cost is n/a, not $0."""

    def __add__(self, other: Tally) -> Tally:
        # Spelled out: tallies are added four times per model call, and a loop over the fields costs 3x.
        return Tally(self.calls + other.calls, self.retries + other.retries,
                     self.cache_hits + other.cache_hits, self.reasks + other.reasks,
                     self.errors + other.errors, self.prompt_tokens + other.prompt_tokens,
                     self.completion_tokens + other.completion_tokens, self.cost_usd + other.cost_usd,
                     self.seconds + other.seconds, self.truncated + other.truncated,
                     self.saved_usd + other.saved_usd, self.unpriced + other.unpriced)

    @property
    def requests(self) -> int:
        """HTTP/model requests actually made: calls that missed the cache plus every retry."""
        return self.calls - self.cache_hits + self.retries

    @property
    def paid_usd(self) -> float:
        """What this run actually spent (cache replays excluded)."""
        return self.cost_usd - self.saved_usd

    @classmethod
    def of(cls, completion: Completion, *, reask: bool = False) -> Tally:
        """One call's share. A cache replay carries the original call's tokens and cost (a resumed run
        reports what an uninterrupted one would) and counts that cost as saved; it took no time."""
        usage = completion.usage
        reasks = int(reask) + completion.reasks
        truncated = int(completion.finish_reason == "length")
        unpriced = int(not completion.priced)
        if completion.cached:
            return cls(calls=1, cache_hits=1, reasks=reasks, prompt_tokens=usage.prompt_tokens,
                       completion_tokens=usage.completion_tokens, cost_usd=completion.cost_usd,
                       truncated=truncated, saved_usd=completion.cost_usd, unpriced=unpriced)
        return cls(calls=1, retries=max(0, completion.attempts - 1), reasks=reasks,
                   prompt_tokens=usage.prompt_tokens, completion_tokens=usage.completion_tokens,
                   cost_usd=completion.cost_usd, seconds=completion.latency_s, truncated=truncated,
                   unpriced=unpriced)

    @classmethod
    def of_error(cls, error: LLMError, *, seconds: float = 0.0) -> Tally:
        attempts = error.attempts if isinstance(error, RetriesExhausted) else 1
        return cls(calls=1, errors=1, retries=attempts - 1, seconds=seconds)

    @classmethod
    def from_dict(cls, record: dict[str, Any]) -> Tally:
        """A tally read back from a row's ``usage`` entry or ``stats.json``; unknown keys and non-numbers
        are ignored, so older or hand-edited files still load."""
        values: dict[str, Any] = {}
        for name in _TALLY_FIELDS:
            value = record.get(name)
            if isinstance(value, int | float) and not isinstance(value, bool):
                values[name] = float(value) if name in _FLOAT_FIELDS else int(value)
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in _TALLY_FIELDS}

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    @property
    def seconds_per_call(self) -> float | None:
        """Mean seconds per call that reached the model (cache hits cost no time)."""
        paid = self.calls - self.cache_hits
        return self.seconds / paid if paid > 0 else None


def cost_text(cost_usd: float, unpriced: int) -> str:
    """Dollars as shown to people: ``n/a`` when no call had a known price, never a made-up $0."""
    if unpriced and not cost_usd:
        return "n/a"
    return f"{cost_usd:.4f}" + (" + n/a" if unpriced else "")


_TALLY_FIELDS = tuple(f.name for f in fields(Tally))
_FLOAT_FIELDS = frozenset({"cost_usd", "seconds", "saved_usd"})
"""Field names in order, looked up once."""


class Meter:
    """Sums tallies for a run, by role, by model (``served_by``) and by row (each row's by role; calls
    made for no row are kept as ``unrouted``)."""

    def __init__(self) -> None:
        self.total = Tally()
        self._roles: defaultdict[str, Tally] = defaultdict(Tally)
        self._models: defaultdict[str, Tally] = defaultdict(Tally)
        self._rows: defaultdict[str, dict[str, Tally]] = defaultdict(dict)
        self.unrouted: defaultdict[str, Tally] = defaultdict(Tally)
        """Calls made for no row (``route_key`` None), by role."""

    def add(self, tally: Tally, *, role: str, model: str, row: str | None = None) -> None:
        self.total += tally
        self._roles[role] += tally
        self._models[model] += tally
        if row is None:
            self.unrouted[role] += tally
        else:
            roles = self._rows[row]
            roles[role] = roles[role] + tally if role in roles else tally

    def by_role(self) -> dict[str, Tally]:
        return dict(self._roles)

    def by_model(self) -> dict[str, Tally]:
        return dict(self._models)

    def row(self, row_id: str) -> Tally:
        return sum((self._rows.get(row_id) or {}).values(), Tally())

    def pop_row(self, row_id: str) -> Tally:
        """The row's tally, forgotten afterwards (call when the row is written)."""
        return sum(self.pop_row_roles(row_id).values(), Tally())

    def pop_row_roles(self, row_id: str) -> dict[str, Tally]:
        """The row's tallies by role, forgotten afterwards: what the runtime journals with the row."""
        return self._rows.pop(row_id, None) or {}


def add_roles(into: dict[str, Tally], more: dict[str, Tally]) -> None:
    """Add ``more`` into ``into``, role by role."""
    for role, tally in more.items():
        into[role] = into[role] + tally if role in into else tally
