"""The promotion gate: is the winner really better than the baseline on records the optimizer never saw?

Both prompts are scored on the same holdout examples, so the comparison is paired: the bootstrap
resamples examples (not scores) and recomputes the mean per-example difference. The default rule
(``ci``) promotes only when the lower bound of that 95% interval is above ``min_delta``: a gain the
holdout cannot tell from noise keeps the working prompt. ``delta`` is the plain rule (mean difference
above ``min_delta``) for those who want it. Both are strict, so a tie never replaces a working prompt.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from hadron.core import stable_hash
from hadron.errors import ConfigError

if TYPE_CHECKING:
    from hadron.distill.gold import GoldRecord
    from hadron.distill.student import Student


_TIE = 1e-9
"""Float noise below this is a tie, so a delta equal to ``min_delta`` never promotes."""


@dataclass(frozen=True, slots=True)
class ExampleScore:
    """One holdout example under one prompt (mean over repetitions)."""

    id: str
    score: float
    fields: dict[str, float]
    notes: tuple[str, ...] = ()
    error: str | None = None
    """Why the student's answer could not be parsed (it then scored 0)."""


@dataclass(frozen=True, slots=True)
class GateDecision:
    promoted: bool
    baseline_mean: float
    winner_mean: float
    delta: float
    n: int
    ci_low: float
    ci_high: float
    """Paired bootstrap 95% interval of the mean per-example difference (winner - baseline)."""
    min_delta: float
    fields: dict[str, tuple[float, float]]
    """Per-field (baseline mean, winner mean)."""
    reason: str
    rule: str = "ci"
    """Which rule decided (``RULES``)."""


async def score_holdout(student: Student, prompt: str, holdout: Sequence[GoldRecord], *,
                        reps: int = 1) -> list[ExampleScore]:
    """Score ``prompt`` on every holdout record, averaging ``reps`` repetitions per record."""
    runs = [await student.answer_all(prompt, holdout, rep=rep) for rep in range(reps)]
    scores: list[ExampleScore] = []
    for i, record in enumerate(holdout):
        answers = [run[i] for run in runs]
        names = list(dict.fromkeys(name for a in answers for name in a.agreement.fields))
        fields = {name: _mean([a.agreement.fields.get(name, 0.0) for a in answers]) for name in names}
        error = next((a.error for a in answers if a.error is not None), None)
        scores.append(ExampleScore(id=record.id, score=_mean([a.agreement.score for a in answers]),
                                   fields=fields, notes=answers[0].agreement.notes, error=error))
    return scores


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def paired_bootstrap_ci(diffs: Sequence[float], *, resamples: int, seed: int,
                        level: float = 0.95) -> tuple[float, float]:
    """Percentile interval of the mean of ``diffs`` over ``resamples`` resamples with replacement."""
    if not diffs:
        return (0.0, 0.0)
    rng = random.Random(stable_hash("distill-gate-bootstrap", seed))
    n = len(diffs)
    means = sorted(_mean([diffs[rng.randrange(n)] for _ in range(n)]) for _ in range(resamples))
    tail = (1.0 - level) / 2.0
    low = means[round(tail * (resamples - 1))]
    high = means[round((1.0 - tail) * (resamples - 1))]
    return (low, high)


@dataclass(frozen=True, slots=True)
class _Evidence:
    delta: float
    ci_low: float
    ci_high: float
    min_delta: float


def _ci_rule(e: _Evidence) -> tuple[bool, str]:
    promoted = e.ci_low > e.min_delta + _TIE
    relation = ">" if promoted else "<="
    return promoted, (f"CI lower bound {e.ci_low:+.4f} {relation} min_delta {e.min_delta:.4f} "
                      f"(delta {e.delta:+.4f}, 95% CI [{e.ci_low:+.4f}, {e.ci_high:+.4f}])")


def _delta_rule(e: _Evidence) -> tuple[bool, str]:
    promoted = e.delta > e.min_delta + _TIE
    relation = ">" if promoted else "<="
    return promoted, (f"holdout delta {e.delta:+.4f} {relation} min_delta {e.min_delta:.4f} "
                      f"(95% CI [{e.ci_low:+.4f}, {e.ci_high:+.4f}], not used by this rule)")


RULES: dict[str, Callable[[_Evidence], tuple[bool, str]]] = {"ci": _ci_rule, "delta": _delta_rule}
"""Gate rule name -> (promoted, reason). ``ci`` is the default."""


def decide(baseline: Sequence[ExampleScore], winner: Sequence[ExampleScore], *, min_delta: float,
           resamples: int = 2000, seed: int = 0, rule: str = "ci") -> GateDecision:
    """Compare two scorings of the same holdout, paired by id, under gate ``rule``."""
    if rule not in RULES:
        raise ConfigError(f"unknown gate rule {rule!r}", hint=f"one of: {', '.join(RULES)}")
    by_id: Mapping[str, ExampleScore] = {score.id: score for score in winner}
    if len(by_id) != len(winner) or {s.id for s in baseline} != set(by_id) or len(baseline) != len(by_id):
        raise ConfigError("gate needs the baseline and the winner scored on the same holdout ids")
    if not baseline:
        raise ConfigError("gate needs at least one holdout example")
    pairs = [(base, by_id[base.id]) for base in baseline]
    diffs = [win.score - base.score for base, win in pairs]
    baseline_mean = _mean([base.score for base, _ in pairs])
    winner_mean = _mean([win.score for _, win in pairs])
    delta = winner_mean - baseline_mean
    ci_low, ci_high = paired_bootstrap_ci(diffs, resamples=resamples, seed=seed)
    names = sorted({name for base, win in pairs for name in (*base.fields, *win.fields)})
    fields = {name: (_mean([base.fields.get(name, 0.0) for base, _ in pairs]),
                     _mean([win.fields.get(name, 0.0) for _, win in pairs])) for name in names}
    promoted, why = RULES[rule](_Evidence(delta, ci_low, ci_high, min_delta))
    reason = f"{why}: {'promote the winner' if promoted else 'keep the baseline'}"
    return GateDecision(promoted=promoted, baseline_mean=baseline_mean, winner_mean=winner_mean,
                        delta=delta, n=len(pairs), ci_low=ci_low, ci_high=ci_high, min_delta=min_delta,
                        fields=fields, reason=reason, rule=rule)
