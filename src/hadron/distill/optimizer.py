"""One call to ``gepa.optimize`` with 0.1.4's traps avoided (DESIGN.md §7).

- A fresh ``run_dir`` every time: an existing one silently resumes an old run.
- ``cache_evaluation`` stays off: with a separate valset it can serve wrong scores.
- ``raise_on_exception`` stays on, and a wall-clock stopper plus a reflection-failure stopper bound the
  loop, because gepa swallows reflection errors and would otherwise spin until the budget is gone.
- Our own logger: gepa's default one (with a run_dir) swaps ``sys.stdout``/``sys.stderr`` for the whole
  process from the worker thread.
- The budget is strict: gepa checks ``max_metric_calls`` only between iterations, so we also stop when
  the next iteration could overrun it (worst case, per child: two minibatches and a full validation pass).

The harness's flags map onto 0.1.4's settings here (docs/distill.md has the table): ``generations`` is a
``MaxCandidateProposalsStopper`` (one proposal round per gepa iteration), ``population`` K > 1 is
``sampling_strategy=IndependentSampling(K)`` (K Pareto-selected parents, each with its own minibatch, one
child each) with the default ``AllImprovements`` selection, and a budget not given is sized to pay for
exactly ``generations`` worst-case iterations.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import gepa
from gepa.core.result import GEPAResult
from gepa.strategies.proposal_sampling import IndependentSampling
from gepa.utils import MaxCandidateProposalsStopper, ScoreThresholdStopper, TimeoutStopCondition

from hadron.distill.adapter import COMPONENT, DistillAdapter
from hadron.distill.config import DistillConfig
from hadron.distill.reflection import FailureStopper, Reflector
from hadron.distill.split import GoldSplit
from hadron.errors import ConfigError
from hadron.redact import redact

if TYPE_CHECKING:
    from gepa.core.callbacks import GEPACallback

PERFECT = 1.0
"""Agreement cannot exceed 1: once a candidate agrees fully on the validation set, stop spending."""

DEFAULT_BUDGET = 60
"""Metric calls when neither ``max_metric_calls`` nor ``generations`` is given."""

ProgressFn = Callable[[int, int, float], None]
"""Called with (metric calls used, metric-call budget, best validation score so far); may run on gepa's
thread."""


@dataclass(frozen=True, slots=True)
class Candidate:
    index: int
    prompt: str
    parents: list[int | None]
    val_score: float
    val_fields: dict[str, float] | None
    discovered_at: int
    """Metric calls spent when gepa found it."""


@dataclass(frozen=True, slots=True)
class OptimizeOutcome:
    best_index: int
    best_prompt: str
    candidates: list[Candidate]
    metric_calls: int
    max_metric_calls: int
    """The budget the run had (given, or sized from the generations)."""
    iterations: int
    """gepa iterations started (generations)."""
    stopped_by: str
    seconds: float
    run_dir: Path
    seen_ids: frozenset[str]
    """Every gold id the optimizer evaluated (never a holdout id)."""


def iteration_cost(config: DistillConfig, split: GoldSplit) -> int:
    """Most metric calls one gepa iteration can spend: per child, its parent's and its own minibatch,
    then a full validation pass if it is accepted."""
    per_child = 2 * min(config.minibatch_size, len(split.trainset)) + len(split.valset)
    return config.population * per_child


def metric_budget(config: DistillConfig, split: GoldSplit) -> int:
    """The budget as given; else enough for the seed's validation pass and ``generations`` iterations."""
    if config.max_metric_calls is not None:
        return config.max_metric_calls
    if config.generations is not None:
        return len(split.valset) + config.generations * iteration_cost(config, split)
    return DEFAULT_BUDGET


def check_budget(config: DistillConfig, split: GoldSplit) -> None:
    """Refuse a budget that cannot pay for the seed evaluation plus one full iteration."""
    needed = len(split.valset) + iteration_cost(config, split)
    budget = metric_budget(config, split)
    if budget < needed:
        raise ConfigError(f"budget of {budget} metric calls cannot pay for one GEPA "
                          f"iteration: {len(split.valset)} for the seed on the validation set + "
                          f"{iteration_cost(config, split)} per iteration "
                          f"(population {config.population})",
                          hint=f"raise --budget to at least {needed}, or give --generations instead")


def fresh_run_dir(base: Path) -> Path:
    """A new, empty directory under ``base``; never an existing one."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    for attempt in range(1000):
        path = base / (stamp if attempt == 0 else f"{stamp}-{attempt}")
        try:
            path.mkdir(parents=True, exist_ok=False)
        except FileExistsError:
            continue
        return path
    raise ConfigError(f"could not create a fresh run directory under {base}")


class _Flag:
    """A stopper that remembers whether it fired, so the outcome can say why the run ended."""

    def __init__(self, name: str, test: Callable[[Any], bool]) -> None:
        self.name = name
        self.test = test
        self.fired = False

    def __call__(self, gepa_state: Any) -> bool:
        if self.test(gepa_state):
            self.fired = True
        return self.fired


class _IterationCounter:
    """A stopper that never fires: gepa asks every stopper before each iteration, and after the last."""

    def __init__(self) -> None:
        self.iterations = 0

    def __call__(self, gepa_state: Any) -> bool:
        self.iterations = max(self.iterations, int(gepa_state.i) + 1)
        return False


class _FileLogger:
    """gepa's ``LoggerProtocol`` writing to one file and nowhere else."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def log(self, message: str) -> None:
        with self._lock, self.path.open("a", encoding="utf-8") as handle:
            handle.write(f"{redact(message)}\n")


class _ProgressCallback:
    """gepa callback forwarding budget and best validation score to ``ProgressFn``."""

    def __init__(self, progress: ProgressFn, budget: int) -> None:
        self.progress = progress
        self.budget = budget
        self.calls = 0
        self.best = 0.0

    def on_budget_updated(self, event: dict[str, Any]) -> None:
        self.calls = int(event["metric_calls_used"])
        self.progress(self.calls, self.budget, self.best)

    def on_valset_evaluated(self, event: dict[str, Any]) -> None:
        self.best = max(self.best, float(event["average_score"]))
        self.progress(self.calls, self.budget, self.best)


def optimize_prompt(seed_prompt: str, split: GoldSplit, adapter: DistillAdapter, reflector: Reflector,
                    config: DistillConfig, run_dir: Path, *, cancelled: threading.Event | None = None,
                    progress: ProgressFn | None = None) -> OptimizeOutcome:
    """Run gepa (synchronously: call from a worker thread). Only train records are passed in."""
    if any(os.scandir(run_dir)):
        raise ConfigError(f"gepa run dir {run_dir} is not empty; it would resume an old run")
    check_budget(config, split)
    budget = metric_budget(config, split)
    per_iteration = iteration_cost(config, split)
    started = time.monotonic()
    flags = [
        _Flag("reflection_failed", FailureStopper(reflector)),
        _Flag("cancelled", lambda _state: cancelled is not None and cancelled.is_set()),
        _Flag("max_seconds", TimeoutStopCondition(config.max_seconds)),
        _Flag("perfect", ScoreThresholdStopper(PERFECT)),
        _Flag("max_metric_calls", lambda state: state.total_num_evals + per_iteration > budget),
    ]
    if config.generations is not None:
        flags.insert(0, _Flag("generations", MaxCandidateProposalsStopper(config.generations)))
    counter = _IterationCounter()
    callbacks = (cast("list[GEPACallback]", [_ProgressCallback(progress, budget)])
                 if progress is not None else None)
    result: GEPAResult[Any, int] = gepa.optimize(
        seed_candidate={COMPONENT: seed_prompt},
        trainset=split.trainset,
        valset=split.valset,
        adapter=adapter,
        reflection_lm=reflector,
        reflection_minibatch_size=config.minibatch_size,
        perfect_score=PERFECT,
        max_metric_calls=budget,
        sampling_strategy=IndependentSampling(config.population) if config.population > 1 else None,
        stop_callbacks=[counter, *flags],  # the counter first: gepa stops at the first stopper that fires
        logger=_FileLogger(run_dir / "gepa.log"),
        run_dir=str(run_dir),
        callbacks=callbacks,
        track_best_outputs=False,
        display_progress_bar=False,
        cache_evaluation=False,
        raise_on_exception=True,
        seed=config.seed,
    )
    subscores = result.val_aggregate_subscores
    candidates = [
        Candidate(index=i, prompt=candidate[COMPONENT], parents=list(result.parents[i]),
                  val_score=float(result.val_aggregate_scores[i]),
                  val_fields=dict(subscores[i]) if subscores else None,
                  discovered_at=int(result.discovery_eval_counts[i]))
        for i, candidate in enumerate(result.candidates)
    ]
    stopped_by = next((flag.name for flag in flags if flag.fired), "gepa")
    return OptimizeOutcome(best_index=result.best_idx, best_prompt=candidates[result.best_idx].prompt,
                           candidates=candidates, metric_calls=int(result.total_metric_calls or 0),
                           max_metric_calls=budget, iterations=counter.iterations, stopped_by=stopped_by,
                           seconds=time.monotonic() - started, run_dir=run_dir,
                           seen_ids=frozenset(adapter.seen_ids))
