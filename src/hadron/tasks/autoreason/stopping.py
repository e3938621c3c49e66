"""When a tournament stops: small stoppers combined with ``any_of`` (the gepa stop-condition shape).

Convergence itself is not a stopper's verdict: a row is ``converged`` when the incumbent's streak
reached ``k``; hitting the pass cap or the budget stops the row unconverged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class TournamentState:
    passes: int
    """Passes completed."""
    streak: int
    """Consecutive passes the incumbent has won (void passes break it)."""
    cost_usd: float = 0.0


class Stopper(Protocol):
    def __call__(self, state: TournamentState) -> bool: ...


@dataclass(frozen=True, slots=True)
class KeepStreak:
    """Stop when the incumbent has won ``k`` passes in a row (the paper's k = 2)."""

    k: int = 2

    def __call__(self, state: TournamentState) -> bool:
        return state.streak >= self.k


@dataclass(frozen=True, slots=True)
class MaxPasses:
    """Cap the cost of a tournament that does not settle."""

    n: int = 15

    def __call__(self, state: TournamentState) -> bool:
        return state.passes >= self.n


@dataclass(frozen=True, slots=True)
class Budget:
    """Stop once a row has spent ``usd`` (checked between passes, so one pass may overshoot)."""

    usd: float

    def __call__(self, state: TournamentState) -> bool:
        return state.cost_usd >= self.usd


@dataclass(frozen=True, slots=True)
class AnyOf:
    stoppers: tuple[Stopper, ...]

    def __call__(self, state: TournamentState) -> bool:
        return any(stop(state) for stop in self.stoppers)


def any_of(*stoppers: Stopper) -> Stopper:
    return AnyOf(tuple(stoppers))


__all__ = ["AnyOf", "Budget", "KeepStreak", "MaxPasses", "Stopper", "TournamentState", "any_of"]
