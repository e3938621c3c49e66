from __future__ import annotations

from hadron.tasks.autoreason.borda import borda, decide, is_void

C = ("A", "B", "AB")


def test_borda_gives_3_2_1() -> None:
    assert borda([["B", "A", "AB"], ["B", "AB", "A"]], C) == {"A": 3, "B": 6, "AB": 3}


def test_ties_go_to_the_incumbent_then_the_configured_order() -> None:
    tied = {"A": 6, "B": 6, "AB": 6}
    assert decide(tied, incumbent="A", tie_order=["AB", "B"]).winner == "A"
    challengers_tied = {"A": 4, "B": 7, "AB": 7}
    assert decide(challengers_tied, incumbent="A", tie_order=["AB", "B"]).winner == "AB"
    assert decide(challengers_tied, incumbent="A", tie_order=["B", "AB"]).winner == "B"


def test_margin_rule_keeps_the_incumbent_unless_beaten_by_m() -> None:
    scores = {"A": 6, "B": 7, "AB": 5}
    assert decide(scores, incumbent="A").winner == "B"
    kept = decide(scores, incumbent="A", margin=2)
    assert kept.winner == "A" and kept.margin == -1
    assert decide({"A": 5, "B": 7, "AB": 6}, incumbent="A", margin=2).winner == "B"


def test_margin_is_the_lead_over_the_runner_up() -> None:
    assert decide({"A": 9, "B": 6, "AB": 3}, incumbent="A").margin == 3


def test_an_ineligible_candidate_never_wins() -> None:
    assert decide({"A": 3, "B": 9, "AB": 6}, incumbent="A", eligible=["A", "AB"]).winner == "AB"


def test_void_means_half_or_fewer_valid() -> None:
    assert is_void(1, 3) and is_void(0, 3) and is_void(2, 4)
    assert not is_void(2, 3) and not is_void(4, 7)
