from __future__ import annotations

import itertools
from collections import Counter
from fractions import Fraction

import pytest

from hadron.llm.panel import PositionBias, PositionMeter, bias_warning, panel_orders, shown_first, wilson

CANDIDATES = ("A", "B", "AB")


def position_counts(orders: list[tuple[str, ...]]) -> Counter[tuple[int, str]]:
    return Counter((position, c) for order in orders for position, c in enumerate(order))


@pytest.mark.parametrize("judges", [3, 6, 9, 12])
def test_multiples_of_three_show_every_candidate_in_every_position_equally(judges: int) -> None:
    for row in range(20):
        slots = panel_orders(CANDIDATES, judges, key=(f"row-{row}", 1))
        counts = position_counts([s.order for s in slots])
        assert set(counts.values()) == {judges // 3} and len(counts) == 9
        assert {s.design for s in slots} == {"latin"}


def test_three_judges_get_the_three_rotations_and_six_get_all_six_orders() -> None:
    for row in range(20):
        three = [s.order for s in panel_orders(CANDIDATES, 3, key=(f"r{row}", 2))]
        assert three[1] == (*three[0][1:], three[0][0]) and three[2] == (*three[1][1:], three[1][0])
        six = [s.order for s in panel_orders(CANDIDATES, 6, key=(f"r{row}", 2))]
        assert sorted(six) == sorted(itertools.permutations(CANDIDATES))


@pytest.mark.parametrize("judges", [1, 2, 4, 5, 7])
def test_other_sizes_are_as_balanced_as_the_count_allows(judges: int) -> None:
    for row in range(20):
        slots = panel_orders(CANDIDATES, judges, key=(f"row-{row}", 3))
        counts = position_counts([s.order for s in slots])
        per_cell = [counts[(p, c)] for p in range(3) for c in CANDIDATES]
        assert max(per_cell) - min(per_cell) <= 1  # never two more than another
        assert len(slots) == judges and all(sorted(s.order) == sorted(CANDIDATES) for s in slots)
        assert len({s.index for s in slots}) == judges
        assert {s.design for s in slots} == {"partial" if judges < 3 else "latin+random"}


@pytest.mark.parametrize("candidates", [CANDIDATES, ("0", "1", "2", "3")])
@pytest.mark.parametrize("judges", [1, 2, 4, 5, 7, 8, 10, 11])
def test_the_judges_a_design_cannot_balance_show_the_incumbent_earliest(
        candidates: tuple[str, ...], judges: int) -> None:
    """So a judge ranking by position alone gives the incumbent the most Borda points and the panel keeps
    it; before, with 4 or 5 judges, whichever candidate the random leftover row showed first won."""
    incumbent = candidates[0]
    n = len(candidates)
    for row in range(20):
        slots = panel_orders(candidates, judges, key=(f"row-{row}", 3), incumbent=incumbent)
        counts = position_counts([s.order for s in slots])
        per_cell = [counts[(p, c)] for p in range(n) for c in candidates]
        assert max(per_cell) - min(per_cell) <= 1 and len({s.index for s in slots}) == judges
        points = Counter({c: 0 for c in candidates})
        for slot in slots:  # a position-only judge: first shown ranked first
            points.update({c: n - 1 - position for position, c in enumerate(slot.order)})
        (leader, top), (_, second) = points.most_common(2)
        assert leader == incumbent and (top > second or judges % n == 0)
        assert {s.design for s in slots} <= {"latin", "latin+incumbent", "partial"}


def test_four_candidates_form_latin_squares_too() -> None:
    samples = ("0", "1", "2", "3")
    counts = position_counts([s.order for s in panel_orders(samples, 8, key=("row", 1))])
    assert set(counts.values()) == {2} and len(counts) == 16


def test_the_design_is_reproducible_and_varies_with_row_and_pass() -> None:
    first = panel_orders(CANDIDATES, 3, key=("row-1", 1))
    assert first == panel_orders(CANDIDATES, 3, key=("row-1", 1))
    openers = {panel_orders(CANDIDATES, 3, key=(f"row-{r}", p))[0].order for r in range(6) for p in range(4)}
    assert len(openers) == 6  # the base order is shuffled: no candidate is always first for judge 0
    remainders = {tuple(s.order for s in panel_orders(CANDIDATES, 4, key=(f"row-{r}", 1)))[3]
                  for r in range(30)}
    assert len(remainders) > 1  # the leftover judge's row is drawn at random


def test_random_design_keeps_the_earlier_per_judge_shuffle() -> None:
    slots = panel_orders(CANDIDATES, 3, key=("row-1", 2), design="random")
    assert [s.design for s in slots] == ["random"] * 3 and [s.index for s in slots] == [0, 1, 2]
    seen = {s.order for r in range(3) for p in range(3)
            for s in panel_orders(CANDIDATES, 3, key=(f"r{r}", p), design="random")}
    assert len(seen) == 6


def test_wilson_interval() -> None:
    low, high = wilson(54, 54)
    assert 0.93 < low < 0.94 and high == 1.0
    low, high = wilson(18, 54)
    assert low < 1 / 3 < high and wilson(0, 0) == (0.0, 1.0)
    low, high = wilson(5, 10)  # textbook value: 0.237 - 0.763
    assert round(low, 3) == 0.237 and round(high, 3) == 0.763


def test_meter_counts_first_shown_first_choices_per_model() -> None:
    meter = PositionMeter()
    always_first = {"model": "m1", "permutation": {"X1": "B", "X2": "A", "X3": "AB"},
                    "ranking": ["B", "A", "AB"]}
    other = {"model": "m2", "permutation": {"X2": "A", "X1": "AB", "X3": "B"}, "ranking": ["A", "AB", "B"]}
    unreadable = {"model": "m2", "permutation": {"X1": "A", "X2": "B", "X3": "AB"}, "ranking": None}
    swapped = {**always_first, "swap": {"permutation": {"X1": "AB", "X2": "A", "X3": "B"},
                                        "ranking": ["AB", "A", "B"]}}
    for ballot in (always_first, other, unreadable, swapped):
        meter.add_ballot(ballot)
    assert (meter.models["m1"].ballots, meter.models["m1"].first_shown) == (3, 3)
    assert (meter.models["m2"].ballots, meter.models["m2"].first_shown) == (1, 0)
    assert meter.overall.ballots == 4 and meter.overall.chance == pytest.approx(1 / 3)
    assert shown_first(other["permutation"]) == "AB"
    assert set(meter.to_json()["all"]) == {"ballots", "first_shown", "share", "ci95", "chance",
                                           "follows_order"}


def test_warning_only_when_the_interval_excludes_chance_by_a_wide_margin() -> None:
    assert bias_warning(PositionBias(36, 36, Fraction(12)), what="x") is not None
    assert "36 of 36" in str(bias_warning(PositionBias(36, 36, Fraction(12)), what="x"))
    assert bias_warning(PositionBias(36, 14, Fraction(12)), what="x") is None  # near chance
    assert bias_warning(PositionBias(2, 2, Fraction(1)), what="x") is None  # too few to exclude chance
    assert bias_warning(PositionBias(100, 70, Fraction(100, 3)), what="x") is None  # biased, not mostly order
