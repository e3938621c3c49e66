from __future__ import annotations

import pytest

from hadron.distill.gate import ExampleScore, decide, paired_bootstrap_ci
from hadron.distill.gold import GoldRecord
from hadron.errors import ConfigError


def scores(*values: float, field: str = "category") -> list[ExampleScore]:
    return [ExampleScore(id=f"h:{i}", score=v, fields={field: v}) for i, v in enumerate(values)]


def pair(diffs: list[float], *, base: float = 0.0) -> tuple[list[ExampleScore], list[ExampleScore]]:
    """Hand-made holdout scorings whose paired differences are exactly ``diffs``."""
    baseline = [base + (-d if d < 0 else 0.0) for d in diffs]
    winner = [b + d for b, d in zip(baseline, diffs, strict=True)]
    return scores(*baseline), scores(*winner)


def test_noise_is_not_promoted_by_the_default_gate() -> None:
    # The case: +1, -1, +1, -1, +0.5 has a positive mean (+0.1) and a CI of about [-0.7, +0.9].
    baseline, winner = pair([1.0, -1.0, 1.0, -1.0, 0.5])
    decision = decide(baseline, winner, min_delta=0.0)
    assert decision.delta == pytest.approx(0.1)
    assert decision.ci_low < 0.0 < decision.ci_high
    assert not decision.promoted and decision.rule == "ci"
    assert "CI lower bound" in decision.reason and "keep the baseline" in decision.reason
    # the plain rule, kept behind --gate delta, promotes it: that is the gap the default closes
    assert decide(baseline, winner, min_delta=0.0, rule="delta").promoted


def test_clear_gain_is_promoted() -> None:
    baseline, winner = pair([1.0] * 9 + [0.0, 0.5, 1.0])
    decision = decide(baseline, winner, min_delta=0.1)
    assert decision.promoted
    assert decision.ci_low > 0.1 and decision.delta == pytest.approx(10.5 / 12)
    assert "promote the winner" in decision.reason


def test_interval_straddling_zero_is_not_promoted_even_with_a_positive_mean() -> None:
    baseline, winner = pair([0.5, -0.25, 0.5, 0.0, -0.25, 0.25, 0.5, -0.5])
    decision = decide(baseline, winner, min_delta=0.0, resamples=4000, seed=7)
    assert decision.delta > 0.0
    assert decision.ci_low < 0.0 < decision.ci_high
    assert not decision.promoted


def test_gain_whose_lower_bound_only_reaches_min_delta_is_not_promoted() -> None:
    # every example gains exactly 0.1: the CI is [0.1, 0.1], which is not strictly above min_delta 0.1
    base = scores(0.1, 0.2, 0.3)
    decision = decide(base, scores(0.2, 0.3, 0.4), min_delta=0.1)
    assert decision.ci_low == pytest.approx(0.1)
    assert not decision.promoted
    assert decide(base, scores(0.2, 0.3, 0.4), min_delta=0.05).promoted


def test_delta_rule_promotes_when_delta_strictly_exceeds_min_delta() -> None:
    decision = decide(scores(0.0, 0.5, 0.5, 1.0), scores(1.0, 1.0, 0.5, 1.0), min_delta=0.1, rule="delta")
    assert decision.promoted and decision.rule == "delta"
    assert decision.baseline_mean == 0.5 and decision.winner_mean == 0.875
    assert decision.delta == pytest.approx(0.375) and decision.n == 4
    assert decision.fields == {"category": (0.5, 0.875)}
    assert decision.ci_low <= decision.delta <= decision.ci_high
    # the same four examples do not convince the default gate: one of four gains nothing, one loses nothing
    assert not decide(scores(0.0, 0.5, 0.5, 1.0), scores(1.0, 1.0, 0.5, 1.0), min_delta=0.1).promoted


@pytest.mark.parametrize("rule", ["ci", "delta"])
def test_delta_equal_to_min_delta_is_not_promoted(rule: str) -> None:
    # 0.1 + 0.2 style float noise must not tip a tie into a promotion
    decision = decide(scores(0.1, 0.2, 0.3), scores(0.2, 0.3, 0.4), min_delta=0.1, rule=rule)
    assert decision.delta == pytest.approx(0.1)
    assert not decision.promoted
    assert "keep the baseline" in decision.reason


@pytest.mark.parametrize("rule", ["ci", "delta"])
def test_no_gain_and_loss_are_not_promoted(rule: str) -> None:
    assert not decide(scores(0.5, 0.5), scores(0.5, 0.5), min_delta=0.0, rule=rule).promoted
    assert not decide(scores(0.9, 0.9), scores(0.1, 0.2), min_delta=-0.1, rule=rule).promoted


def test_unknown_rule_is_refused() -> None:
    with pytest.raises(ConfigError, match="unknown gate rule 'vibes'"):
        decide(scores(1.0), scores(1.0), min_delta=0.0, rule="vibes")


def test_bootstrap_ci_is_seeded_and_paired() -> None:
    diffs = [0.0, 1.0, 0.5, 0.0, 1.0, 0.25, 0.0, 0.75]
    first = paired_bootstrap_ci(diffs, resamples=500, seed=3)
    assert first == paired_bootstrap_ci(diffs, resamples=500, seed=3)
    assert first != paired_bootstrap_ci(diffs, resamples=500, seed=4)
    low, high = first
    assert 0.0 <= low < sum(diffs) / len(diffs) < high <= 1.0
    # a constant paired difference has a zero-width interval, however noisy the scores themselves
    base = scores(0.1, 0.9, 0.3, 0.6)
    shifted = [ExampleScore(s.id, s.score + 0.1, s.fields) for s in base]
    decision = decide(base, shifted, min_delta=0.0, resamples=300)
    assert decision.ci_low == pytest.approx(0.1) and decision.ci_high == pytest.approx(0.1)


def test_mismatched_ids_are_refused() -> None:
    with pytest.raises(ConfigError, match="same holdout ids"):
        decide(scores(1.0, 0.0), scores(1.0), min_delta=0.0)


async def test_score_holdout_averages_repetitions(gold: list[GoldRecord]) -> None:
    import json

    from hadron.distill.agreement import FieldComparator
    from hadron.distill.gate import score_holdout
    from hadron.distill.student import Student, label_spec
    from hadron.llm import ModelHub
    from hadron.llm.types import ChatRequest
    from hadron.testing import register_scripted, unregister_scripted

    by_input = {str(r.input): r.label for r in gold}
    fields = {"categorical": ("category", "urgent"), "array": ("tags",)}

    def noisy(request: ChatRequest) -> str:
        label = by_input[str(request.messages[1]["content"]).split("\n\nAnswer with")[0]]
        return json.dumps(label if request.sample_index == 0 else {**label, "urgent": not label["urgent"]})

    register_scripted("dstudent-noisy", noisy)
    try:
        student = Student(ModelHub().get("scripted:dstudent-noisy"), label_spec(gold, **fields),
                          FieldComparator(**fields))
        result = await score_holdout(student, "p", gold[:2], reps=2)
    finally:
        unregister_scripted("dstudent-noisy")
    assert [s.id for s in result] == ["ticket:001", "ticket:002"]
    assert [s.score for s in result] == [pytest.approx((1 + 2 / 3) / 2)] * 2
    assert result[0].fields == {"category": 1.0, "urgent": 0.5, "tags": 1.0}
