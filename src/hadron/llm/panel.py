"""Judge panels: counterbalanced display orders, and a meter of how much judges follow them.

Model judges, weak ones above all, tend to rank candidates in the order they were shown. When each
judge gets its own random order, that bias does not average out: the panel crowns whichever candidate
happened to be shown first to most judges. A counterbalanced panel shows every candidate in every
position equally often across its judges, so a judge that ranks by position alone adds the same Borda
points to every candidate and the panel's decision is a tie (which the tie rule resolves).

``panel_orders(candidates, judges, key=...)`` builds that design:

- ``n`` candidates, ``m`` judges: ``m // n`` Latin squares, each the ``n`` rotations of one base order
  (alternating with the rotations of its reverse: for 3 candidates, two squares are all six orders);
- the ``m % n`` judges left over get distinct rows of one more square (as balanced as the count allows:
  no candidate takes a position twice among them): with an ``incumbent`` (AutoReason's A, best-of-N's
  first sample), the rows that show it earliest, so the positional points these judges cannot balance go
  to keeping it and a judge that ranks by position alone never moves the panel; without one, at random;
- the base order is shuffled, so which candidate opens the first row is random too.

All randomness comes from ``stable_hash(key)`` (the row id and pass), so a rerun shows the same orders
and hits the request cache. ``PositionMeter`` counts, per judge model, the ballots whose first choice is
the candidate shown first, against the 1/n expected without bias, with a Wilson interval.
"""

from __future__ import annotations

import math
import random
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Literal

from hadron.core import stable_hash

Design = Literal["balanced", "random"]
"""``balanced``: counterbalanced (this module). ``random``: an independent shuffle per judge, the
design before counterbalancing, kept only to measure the difference."""

BIAS_ALERT_SHARE = 0.8
"""A meter whose interval excludes chance and whose share of first-shown choices is at least this is
reported as "the verdicts mostly follow display order"."""


@dataclass(frozen=True, slots=True)
class Slot:
    """What one judge is shown: the candidates in display order, and where that order came from."""

    order: tuple[str, ...]
    design: str
    """``latin`` (whole squares), ``latin+random`` (squares plus random rows), ``partial`` (fewer judges
    than candidates: distinct rows of one square), ``random`` (independent shuffles)."""
    index: int
    """The row of the design (for ``random``, the judge index)."""


def _rotations(order: Sequence[str]) -> list[tuple[str, ...]]:
    return [tuple(order[i:]) + tuple(order[:i]) for i in range(len(order))]


def panel_orders(candidates: Sequence[str], judges: int, *, key: Sequence[Hashable],
                 design: Design = "balanced", incumbent: str | None = None) -> list[Slot]:
    """One display order per judge (judge ``i`` gets ``slots[i]``), reproducible from ``key``;
    ``incumbent`` takes the unbalanced positions of the judges left over after whole squares."""
    if judges < 0:
        raise ValueError(f"judges must be >= 0, got {judges}")
    if design == "random":
        return [Slot(_shuffled(candidates, key, judge), "random", judge) for judge in range(judges)]
    rng = random.Random(stable_hash("panel", *key))
    base = list(candidates)
    rng.shuffle(base)
    n = len(base)
    if n == 0:
        return [Slot((), "latin", 0) for _ in range(judges)]
    whole, left = divmod(judges, n)

    def square(k: int) -> list[tuple[str, ...]]:
        return _rotations(base if k % 2 == 0 else base[::-1])

    rows = [order for k in range(whole) for order in square(k)]
    if incumbent in base:
        last = square(whole)
        picks = sorted(sorted(range(n), key=lambda i: last[i].index(incumbent))[:left])
        extra = "latin+incumbent"
    else:
        picks = sorted(rng.sample(range(n), left)) if left else []
        extra = "latin+random"
    rows += [square(whole)[i] for i in picks]
    name = "latin" if not left else ("partial" if not whole else extra)
    indices = [*range(whole * n), *(whole * n + i for i in picks)]
    return [Slot(order, name, index) for order, index in zip(rows, indices, strict=True)]


def _shuffled(candidates: Sequence[str], key: Sequence[Hashable], judge: int) -> tuple[str, ...]:
    """The pre-counterbalancing order: the same seeds as before, so its prompts (and cache) match."""
    order = list(candidates)
    random.Random(stable_hash("ballot", *key, judge)).shuffle(order)
    return tuple(order)


def wilson(successes: int, trials: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval of a binomial share (95% by default); (0, 1) with no trials."""
    if trials <= 0:
        return 0.0, 1.0
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(slots=True)
class PositionBias:
    """How often one judge model's first choice was the candidate it was shown first."""

    ballots: int = 0
    first_shown: int = 0
    chance_sum: Fraction = Fraction(0)
    """Sum of 1/n over the ballots (exact, so meters add in any order): ``chance`` is its mean."""

    @property
    def share(self) -> float:
        return self.first_shown / self.ballots if self.ballots else 0.0

    @property
    def chance(self) -> float:
        return float(self.chance_sum / self.ballots) if self.ballots else 0.0

    @property
    def interval(self) -> tuple[float, float]:
        return wilson(self.first_shown, self.ballots)

    @property
    def follows_order(self) -> bool:
        """The interval excludes chance and most first choices are the first-shown candidate."""
        return bool(self.ballots) and self.interval[0] > self.chance and self.share >= BIAS_ALERT_SHARE

    def __add__(self, other: PositionBias) -> PositionBias:
        return PositionBias(self.ballots + other.ballots, self.first_shown + other.first_shown,
                            self.chance_sum + other.chance_sum)

    def describe(self) -> str:
        """``"54/54 (100%, 95% CI 93%-100%; chance 33%)"``: for tables, the report and the card."""
        low, high = self.interval
        return (f"{self.first_shown}/{self.ballots} ({self.share:.0%}, 95% CI {low:.0%}-{high:.0%}; "
                f"chance {self.chance:.0%})")

    def to_json(self) -> dict[str, Any]:
        low, high = self.interval
        return {"ballots": self.ballots, "first_shown": self.first_shown, "share": round(self.share, 4),
                "ci95": [round(low, 4), round(high, 4)], "chance": round(self.chance, 4),
                "follows_order": self.follows_order}


@dataclass(slots=True)
class PositionMeter:
    """Position bias per judge model (and ``all``), from ballots as they are recorded."""

    models: dict[str, PositionBias] = field(default_factory=dict)

    def add(self, model: str, *, shown_first: str, chosen_first: str, n: int) -> None:
        for name in (model, "all"):
            bias = self.models.setdefault(name, PositionBias())
            bias.ballots += 1
            bias.first_shown += shown_first == chosen_first
            bias.chance_sum += Fraction(1, n)

    def add_ballot(self, ballot: Mapping[str, Any]) -> None:
        """A recorded ballot (``permutation`` label -> candidate in display order, ``ranking`` best
        first, ``model``); its consistency re-ask (``swap``), when there is one, is a second view."""
        model = str(ballot.get("model") or "?")
        for view in (ballot, ballot.get("swap")):
            if not isinstance(view, Mapping):
                continue
            permutation, ranking = view.get("permutation"), view.get("ranking")
            if isinstance(permutation, Mapping) and permutation and isinstance(ranking, list) and ranking:
                first = shown_first(permutation)
                self.add(model, shown_first=first, chosen_first=str(ranking[0]), n=len(permutation))

    @property
    def overall(self) -> PositionBias:
        return self.models.get("all", PositionBias())

    def __add__(self, other: PositionMeter) -> PositionMeter:
        names = [*self.models, *(name for name in other.models if name not in self.models)]
        empty = PositionBias()
        return PositionMeter({name: self.models.get(name, empty) + other.models.get(name, empty)
                              for name in names})

    def to_json(self) -> dict[str, Any]:
        return {name: bias.to_json() for name, bias in self.models.items()}


def shown_first(permutation: Mapping[str, str]) -> str:
    """The candidate under the first label (``X1``), whatever order the mapping was stored in."""
    def number(label: str) -> int:
        digits = "".join(ch for ch in label if ch.isdigit())
        return int(digits) if digits else 0

    return str(permutation[min(permutation, key=number)])


def bias_warning(bias: PositionBias, *, what: str) -> str | None:
    """One clear end-of-run line when the judges' verdicts mostly follow display order."""
    if not bias.follows_order:
        return None
    low, high = bias.interval
    return (f"warning: the judges ranked the candidate shown first as best in {bias.first_shown} of "
            f"{bias.ballots} ballots ({bias.share:.0%}, 95% CI {low:.0%}-{high:.0%}; {bias.chance:.0%} "
            f"expected without bias): their verdicts mostly follow display order, not content, so {what}")


__all__ = [
    "BIAS_ALERT_SHARE",
    "Design",
    "PositionBias",
    "PositionMeter",
    "Slot",
    "bias_warning",
    "panel_orders",
    "shown_first",
    "wilson",
]
