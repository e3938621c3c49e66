from __future__ import annotations

from hadron.tasks.autoreason.stopping import Budget, KeepStreak, MaxPasses, TournamentState, any_of


def test_stoppers_combine() -> None:
    stop = any_of(KeepStreak(2), MaxPasses(15), Budget(0.5))
    assert not stop(TournamentState(passes=3, streak=1, cost_usd=0.1))
    assert stop(TournamentState(passes=3, streak=2))
    assert stop(TournamentState(passes=15, streak=0))
    assert stop(TournamentState(passes=1, streak=0, cost_usd=0.5))
    assert MaxPasses(0)(TournamentState(passes=0, streak=0))  # a cap of 0 keeps the teacher's draft
