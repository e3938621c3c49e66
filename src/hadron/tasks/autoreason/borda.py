"""Borda count and the pass decision, as pure functions (no I/O, no randomness).

Rules (DESIGN.md §4): each valid ballot gives n, n-1, ..., 1 points (3/2/1 for A, B, AB); ties go to
the incumbent, then to a configurable order; an optional margin makes a challenger beat the incumbent
by at least m points; a pass with half or fewer valid ballots is void and keeps the incumbent.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass


def borda(rankings: Iterable[Sequence[str]], candidates: Sequence[str]) -> dict[str, int]:
    """Points per candidate; ``rankings`` are full orders, best first."""
    n = len(candidates)
    scores = dict.fromkeys(candidates, 0)
    for ranking in rankings:
        for position, candidate in enumerate(ranking):
            scores[candidate] += n - position
    return scores


def is_void(valid: int, total: int) -> bool:
    """Half or fewer valid ballots: the pass cannot decide anything."""
    return valid * 2 <= total


@dataclass(frozen=True, slots=True)
class Decision:
    winner: str
    margin: int
    """The winner's points minus the best other candidate's (negative when the margin rule kept A)."""


def decide(
    scores: dict[str, int],
    *,
    incumbent: str | None,
    tie_order: Sequence[str] = (),
    margin: int = 0,
    eligible: Iterable[str] | None = None,
) -> Decision:
    """The winner of a scored pass.

    ``tie_order`` ranks the candidates for ties after the incumbent; candidates it does not name come
    after it in ``scores`` order. ``eligible`` limits who may win (an empty challenger never wins).
    """
    preference = [c for c in (incumbent, *tie_order) if c is not None and c in scores]
    preference += [c for c in scores if c not in preference]
    allowed = set(scores if eligible is None else eligible)
    contenders = [c for c in preference if c in allowed] or preference[:1]
    winner = max(contenders, key=lambda c: (scores[c], -preference.index(c)))
    if (incumbent is not None and incumbent in allowed and winner != incumbent and margin > 0
            and scores[winner] - scores[incumbent] < margin):
        winner = incumbent
    others = [scores[c] for c in scores if c != winner]
    return Decision(winner, scores[winner] - max(others) if others else 0)


__all__ = ["Decision", "borda", "decide", "is_void"]
