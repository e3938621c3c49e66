from __future__ import annotations

import random

import pytest

from hadron.qa import eval_stats as es


@pytest.mark.parametrize(("slot", "a_first", "side"), [
    ("1", True, "A"), ("2", True, "B"), ("1", False, "B"), ("2", False, "A"), ("tie", True, "tie"),
    ("tie", False, "tie")])
def test_unblind_maps_slots_back_to_sides(slot: es.Slot, a_first: bool, side: es.Side) -> None:
    assert es.unblind(slot, a_first=a_first) == side


def test_a_vote_needs_both_orders_to_agree() -> None:
    assert es.judge_vote("A", "A") == "A"
    assert es.judge_vote("B", "B") == "B"
    assert es.judge_vote("A", "B") == "tie"  # a pure position preference
    assert es.judge_vote("A", "tie") == "tie"
    assert es.judge_vote("tie", "tie") == "tie"
    assert es.judge_vote(None, "A") is None
    assert es.judge_vote("A", None) is None


def test_position_bias_cancels() -> None:
    """A judge that always picks slot 1 never produces a win for either side."""
    always_first = [es.judge_vote(es.unblind("1", a_first=True), es.unblind("1", a_first=False))
                    for _ in range(10)]
    assert always_first == ["tie"] * 10


def test_pair_outcome_is_a_majority_of_cast_votes() -> None:
    assert es.pair_outcome(["A", "A", "B"]) == "A"
    assert es.pair_outcome(["A", "B", "tie"]) == "tie"
    assert es.pair_outcome(["B", "tie", None]) == "B"
    assert es.pair_outcome([None, None]) is None
    assert es.pair_outcome([]) is None


def test_outcome_counts_and_rates() -> None:
    outcomes: list[es.Side] = ["A"] * 6 + ["tie"] * 2 + ["B"] * 2
    s = es.outcome_summary(outcomes, resamples=2000, seed=0)
    assert (s["n"], s["wins"], s["ties"], s["losses"]) == (10, 6, 2, 2)
    assert s["win_rate"]["point"] == pytest.approx(0.7)
    assert s["net"]["point"] == pytest.approx(0.4)
    assert s["win_share"]["point"] == pytest.approx(0.6)
    assert s["tie_share"]["point"] == pytest.approx(0.2)
    assert s["loss_share"]["point"] == pytest.approx(0.2)


def test_bootstrap_ci_is_exact_for_a_fixed_seed() -> None:
    outcomes: list[es.Side] = ["A"] * 6 + ["tie"] * 2 + ["B"] * 2
    s = es.outcome_summary(outcomes, resamples=2000, seed=0)
    # Pinned values: percentile bootstrap, random.Random(0), 2000 resamples of 10 outcomes.
    assert s["win_rate"] == {"point": pytest.approx(0.7), "low": pytest.approx(0.4),
                             "high": pytest.approx(0.95)}
    assert s == es.outcome_summary(outcomes, resamples=2000, seed=0)  # reproducible
    assert s["win_rate"]["low"] <= s["win_rate"]["point"] <= s["win_rate"]["high"]


def test_bootstrap_matches_an_independent_computation() -> None:
    outcomes: list[es.Side] = ["A"] * 30 + ["tie"] * 10 + ["B"] * 20
    s = es.outcome_summary(outcomes, resamples=1000, seed=7)
    rng = random.Random(7)
    rates = sorted((lambda x: (x.count("A") + x.count("tie") / 2) / 60)(rng.choices(outcomes, k=60))
                   for _ in range(1000))
    assert s["win_rate"]["low"] == pytest.approx(rates[25])
    assert s["win_rate"]["high"] == pytest.approx(rates[974])


def test_unanimous_outcomes_have_a_degenerate_interval() -> None:
    s = es.outcome_summary(["A"] * 8, resamples=500, seed=1)
    assert s["win_rate"] == {"point": 1.0, "low": 1.0, "high": 1.0}
    assert es.outcome_summary([]) == {"n": 0, "wins": 0, "ties": 0, "losses": 0}


def test_interval_narrows_with_more_data() -> None:
    small = es.outcome_summary(["A", "B"] * 5, resamples=1000, seed=0)["win_rate"]
    large = es.outcome_summary(["A", "B"] * 200, resamples=1000, seed=0)["win_rate"]
    assert large["high"] - large["low"] < small["high"] - small["low"]


def test_length_bias() -> None:
    lengths_a, lengths_b = [100, 200, 50, 80], [50, 100, 100, 80]
    out = es.length_bias(lengths_a, lengths_b, ["A", "A", "B", "A"])
    assert out["a_mean_chars"] == pytest.approx(107.5)
    assert out["b_mean_chars"] == pytest.approx(82.5)
    assert out["a_longer_rate"] == pytest.approx(0.5)
    assert out["longer_won_rate"] == pytest.approx(1.0)  # equal-length pair 4 is left out
    assert out["decisive_with_length_gap"] == 3


def test_accuracy_summary() -> None:
    out = es.accuracy_summary([True, True, False, True], [False, True, False, False], resamples=500)
    assert out["a_accuracy"]["point"] == pytest.approx(0.75)
    assert out["b_accuracy"]["point"] == pytest.approx(0.25)
    assert out["difference"]["point"] == pytest.approx(0.5)
    assert (out["both_right"], out["only_a"], out["only_b"], out["both_wrong"]) == (1, 2, 0, 1)
