"""The arithmetic of blind pairwise evaluation: votes, outcomes, bootstrap intervals, length bias.

The position rule: every judge sees each pair twice, once with A shown first and once with B first.
A judge's vote goes to a side only when it picks that side in *both* orders; any disagreement between
the two orders, or an explicit tie, is a tie. A judge that always prefers the first slot therefore
votes tie on every pair, so position bias cancels instead of turning into wins. If either order got no
usable verdict, that judge abstains on that pair. A pair's outcome is the sign of (votes for A − votes
for B) over the judges that did not abstain; a pair where every judge abstained has no outcome and is
counted apart (``no_verdict``), never as a tie.
"""

from __future__ import annotations

import math
import random
import statistics
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Literal

Side = Literal["A", "B", "tie"]
Slot = Literal["1", "2", "tie"]


def unblind(winner: Slot, *, a_first: bool) -> Side:
    """Map a judge's slot choice back to the side shown in that slot."""
    if winner == "tie":
        return "tie"
    first = winner == "1"
    return "A" if first == a_first else "B"


def judge_vote(a_first_verdict: Side | None, b_first_verdict: Side | None) -> Side | None:
    """One judge's vote on one pair from its two (unblinded) verdicts; None = abstain."""
    if a_first_verdict is None or b_first_verdict is None:
        return None
    if a_first_verdict == b_first_verdict and a_first_verdict != "tie":
        return a_first_verdict
    return "tie"


def pair_outcome(votes: Sequence[Side | None]) -> Side | None:
    """The panel's outcome for one pair: majority of non-abstaining judges (ties count zero)."""
    cast = [v for v in votes if v is not None]
    if not cast:
        return None
    score = sum(1 if v == "A" else -1 if v == "B" else 0 for v in cast)
    return "A" if score > 0 else "B" if score < 0 else "tie"


@dataclass(frozen=True, slots=True)
class Interval:
    point: float
    low: float
    high: float

    def to_dict(self) -> dict[str, float]:
        return asdict(self)


def _percentiles(samples: list[float], confidence: float) -> tuple[float, float]:
    samples.sort()
    alpha = (1 - confidence) / 2
    lo = samples[max(0, math.floor(alpha * len(samples)))]
    hi = samples[min(len(samples) - 1, math.ceil((1 - alpha) * len(samples)) - 1)]
    return lo, hi


def bootstrap(values: Sequence[float], *, statistic: Callable[[Sequence[float]], float] = statistics.fmean,
              resamples: int = 2000, seed: int = 0, confidence: float = 0.95) -> Interval | None:
    """Percentile bootstrap interval of ``statistic`` over ``values`` (seeded; None if empty)."""
    if not values:
        return None
    rng = random.Random(seed)
    data = list(values)
    samples = [statistic(rng.choices(data, k=len(data))) for _ in range(resamples)]
    low, high = _percentiles(samples, confidence)
    return Interval(statistic(data), low, high)


def outcome_summary(outcomes: Sequence[Side], *, resamples: int = 2000, seed: int = 0,
                    confidence: float = 0.95) -> dict[str, object]:
    """Wins / ties / losses for side A, with bootstrap intervals of every rate (one shared resampling).

    ``win_rate`` counts a tie as half a win; ``net`` is (wins − losses) / n; ``*_share`` are the plain
    fractions. Each is ``{"point", "low", "high"}``.
    """
    n = len(outcomes)
    wins, ties = outcomes.count("A"), outcomes.count("tie")
    losses = n - wins - ties
    summary: dict[str, object] = {"n": n, "wins": wins, "ties": ties, "losses": losses}
    if not n:
        return summary
    def rates(w: int, t: int) -> dict[str, float]:
        loss = n - w - t
        return {"win_rate": (w + t / 2) / n, "win_share": w / n, "tie_share": t / n,
                "loss_share": loss / n, "net": (w - loss) / n}

    rng = random.Random(seed)
    draws: dict[str, list[float]] = {key: [] for key in rates(0, 0)}
    for _ in range(resamples):
        sample = rng.choices(outcomes, k=n)
        for key, value in rates(sample.count("A"), sample.count("tie")).items():
            draws[key].append(value)
    for key, point in rates(wins, ties).items():
        low, high = _percentiles(draws[key], confidence)
        summary[key] = Interval(point, low, high).to_dict()
    return summary


def length_bias(lengths_a: Sequence[int], lengths_b: Sequence[int],
                outcomes: Sequence[Side | None]) -> dict[str, object]:
    """Length statistics of both sides and how often the longer answer won (the known judge trap)."""
    out: dict[str, object] = {"n": len(lengths_a)}
    if not lengths_a:
        return out
    out["a_mean_chars"] = statistics.fmean(lengths_a)
    out["b_mean_chars"] = statistics.fmean(lengths_b)
    out["a_median_chars"] = statistics.median(lengths_a)
    out["b_median_chars"] = statistics.median(lengths_b)
    out["mean_diff_chars"] = statistics.fmean(a - b for a, b in zip(lengths_a, lengths_b, strict=True))
    out["a_longer_rate"] = sum(a > b for a, b in zip(lengths_a, lengths_b, strict=True)) / len(lengths_a)
    decisive = [(a, b, o) for a, b, o in zip(lengths_a, lengths_b, outcomes, strict=True)
                if o in ("A", "B") and a != b]
    if decisive:
        longer_won = sum((o == "A") == (a > b) for a, b, o in decisive)
        out["longer_won_rate"] = longer_won / len(decisive)
        out["decisive_with_length_gap"] = len(decisive)
    return out


def accuracy_summary(correct_a: Sequence[bool], correct_b: Sequence[bool], *, resamples: int = 2000,
                     seed: int = 0, confidence: float = 0.95) -> dict[str, object]:
    """Each side's accuracy on verifiable items, and the paired difference A − B with its interval."""
    n = len(correct_a)
    out: dict[str, object] = {"n": n}
    if not n:
        return out
    a = [float(x) for x in correct_a]
    b = [float(x) for x in correct_b]
    diffs = [x - y for x, y in zip(a, b, strict=True)]
    for key, values, offset in (("a_accuracy", a, 0), ("b_accuracy", b, 1), ("difference", diffs, 2)):
        interval = bootstrap(values, resamples=resamples, seed=seed + offset, confidence=confidence)
        out[key] = interval.to_dict() if interval else None
    pairs = list(zip(correct_a, correct_b, strict=True))
    out["both_right"] = sum(x and y for x, y in pairs)
    out["only_a"] = sum(x and not y for x, y in pairs)
    out["only_b"] = sum(y and not x for x, y in pairs)
    out["both_wrong"] = sum(not x and not y for x, y in pairs)
    return out
