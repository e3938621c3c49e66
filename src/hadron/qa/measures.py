"""Bounded accumulators for run statistics: a value ``Distribution`` (usage sums are ``hadron.llm.Tally``).

Both add with ``+`` (summaries of shards merge), and a ``Distribution`` keeps a histogram of values
rounded to 4 significant digits, so its size stays small whatever the number of rows.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field


def _round_sig(value: float, digits: int = 4) -> float:
    if value == 0 or not math.isfinite(value):
        return value
    return round(value, digits - 1 - math.floor(math.log10(abs(value))))


@dataclass(slots=True)
class Distribution:
    """Count, sum, min, max and a histogram of values rounded to 4 significant digits (bounded)."""

    values: Counter[float] = field(default_factory=Counter)
    n: int = 0
    total: float = 0.0

    def add(self, value: float) -> None:
        self.values[_round_sig(float(value))] += 1
        self.n += 1
        self.total += float(value)

    def __add__(self, other: Distribution) -> Distribution:
        return Distribution(self.values + other.values, self.n + other.n, self.total + other.total)

    @property
    def mean(self) -> float | None:
        return self.total / self.n if self.n else None

    @property
    def minimum(self) -> float | None:
        return min(self.values) if self.values else None

    @property
    def maximum(self) -> float | None:
        return max(self.values) if self.values else None

    def quantile(self, q: float) -> float | None:
        """The smallest value with at least ``q`` of the mass at or below it."""
        if not self.n:
            return None
        target, seen = q * self.n, 0
        for value in sorted(self.values):
            seen += self.values[value]
            if seen >= target:
                return value
        return max(self.values)

    def is_integral(self) -> bool:
        return all(float(v).is_integer() for v in self.values)

    def histogram(self, bins: int = 12) -> list[tuple[float, float, int]]:
        """``(low, high, count)`` bins; one bin per value for small integer ranges."""
        if not self.values:
            return []
        bins = min(bins, max(4, self.n))
        lo, hi = min(self.values), max(self.values)
        if self.is_integral() and hi - lo < 30:
            return [(v, v, self.values.get(float(v), 0)) for v in range(int(lo), int(hi) + 1)]
        if lo == hi:
            return [(lo, hi, self.n)]
        if self.is_integral():  # whole-number bins, so edges read as counts or lengths
            step = math.ceil((hi - lo + 1) / bins)
            edges = range(int(lo), int(hi) + 1, step)
            grouped = [0] * len(edges)
            for value, count in self.values.items():
                grouped[int((value - lo) // step)] += count
            return [(float(e), float(e + step - 1), c) for e, c in zip(edges, grouped, strict=True)]
        width = (hi - lo) / bins
        counts = [0] * bins
        for value, count in self.values.items():
            counts[min(bins - 1, int((value - lo) / width))] += count
        return [(lo + i * width, lo + (i + 1) * width, c) for i, c in enumerate(counts)]

    def describe(self) -> dict[str, float | int | None]:
        return {"n": self.n, "mean": self.mean, "median": self.quantile(0.5), "min": self.minimum,
                "max": self.maximum, "p90": self.quantile(0.9)}
