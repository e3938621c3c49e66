"""One distillation run: gold -> split -> baseline on holdout -> gepa on train -> winner on holdout ->
gate -> files.

Order matters: everything that can be checked without a model call (gold file, label fields, split,
budget) is checked first; the baseline's holdout scoring is the first model call, so an unreachable
student fails before gepa starts. Only ``split.trainset`` and ``split.valset`` are handed to gepa; the
student's answer schema takes its vocabulary from every split (what may be answered, not what is right).
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from hadron.distill.adapter import DistillAdapter
from hadron.distill.agreement import make_comparator
from hadron.distill.bridge import LoopBridge
from hadron.distill.config import DistillConfig
from hadron.distill.gate import decide, score_holdout
from hadron.distill.gold import check_label_fields, load_gold
from hadron.distill.optimizer import ProgressFn, check_budget, fresh_run_dir, optimize_prompt
from hadron.distill.reflection import Reflector
from hadron.distill.report import AlreadyDistilled, DistillReport, finished_result, write_outputs
from hadron.distill.split import split_gold
from hadron.distill.student import Student, label_spec
from hadron.errors import ConfigError
from hadron.llm import ModelHub
from hadron.runtime.rundir import RunDir

_PROMPT_SUFFIXES = {".txt", ".md", ".j2", ".jinja", ".prompt"}


def read_prompt(value: str) -> str:
    """``value`` is a path to a prompt file when such a file exists, else the prompt text itself.

    A single word that looks like a path (``prompts/seed.txt``) but names no file is an error, not a
    one-word prompt.
    """
    path = Path(value)
    if path.is_file():
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read prompt file {value}: {exc}") from None
        if not text.strip():
            raise ConfigError(f"prompt file {value} is empty")
        return text.strip()
    looks_like_path = not any(ch.isspace() for ch in value.strip()) and (
        "/" in value or "\\" in value or path.suffix.lower() in _PROMPT_SUFFIXES)
    if looks_like_path:
        raise ConfigError(f"prompt file {value} not found", hint="pass an existing file or the prompt text")
    if not value.strip():
        raise ConfigError("the seed prompt is empty")
    return value.strip()


async def distill(gold_path: str | Path, seed_prompt: str, config: DistillConfig, out_dir: str | Path, *,
                  hub: ModelHub | None = None, progress: ProgressFn | None = None,
                  source: dict[str, Any] | None = None, cache: str | Path | None = None,
                  skip_finished: bool = False) -> DistillReport:
    """Run the whole distillation and write its files into ``out_dir``.

    ``out_dir`` keeps the request cache (``cache.sqlite``; ``cache`` or ``$HADRON_CACHE`` name a shared
    one), so running the same command again replays every answered call (an answer that did not
    validate is asked again); gepa itself always gets a fresh run directory under ``out_dir/gepa``.
    ``skip_finished``: when ``out_dir`` already holds this distillation (same gold content, seed prompt
    and settings), raise ``AlreadyDistilled`` before any call instead (the CLI without --retry-errors).
    """
    started = time.monotonic()
    gold_path, out_dir = Path(gold_path), Path(out_dir)
    if not seed_prompt.strip():
        raise ConfigError("the seed prompt is empty")
    records = load_gold(gold_path)
    check_label_fields(records, gold_path, categorical=config.categorical, array=config.array)
    split = split_gold(records, stride=config.stride, val_stride=config.val_stride)
    check_budget(config, split)
    if skip_finished:
        saved = finished_result(out_dir, gold_path=gold_path, seed_prompt=seed_prompt, config=config)
        if saved is not None:
            raise AlreadyDistilled(out_dir, saved)
    compare = make_comparator(categorical=config.categorical, array=config.array, spec=config.comparator)
    out_dir.mkdir(parents=True, exist_ok=True)
    own_hub = hub is None
    models = hub if hub is not None else ModelHub(cache_path=RunDir(out_dir).cache_for(cache))
    try:
        spec = label_spec(records, categorical=config.categorical, array=config.array,
                          declared=config.label_values)
        student = Student(models.get(config.student), spec, compare, max_tokens=config.student_max_tokens,
                          concurrency=config.concurrency, seed=config.seed)
        baseline_scores = await score_holdout(student, seed_prompt, split.holdout, reps=config.reps)

        bridge = LoopBridge(asyncio.get_running_loop())
        adapter = DistillAdapter(student, bridge)
        reflector = Reflector(models.get(config.reflection), bridge,
                              temperature=config.reflection_temperature,
                              max_tokens=config.reflection_max_tokens, seed=config.seed)
        outcome = await bridge.call_in_worker(
            optimize_prompt, seed_prompt, split, adapter, reflector, config, fresh_run_dir(out_dir / "gepa"),
            cancelled=bridge.cancelled, progress=progress)
        if reflector.failure is not None:
            raise reflector.failure

        winner_prompt = outcome.best_prompt
        winner_scores = (baseline_scores if winner_prompt == seed_prompt
                         else await score_holdout(student, winner_prompt, split.holdout, reps=config.reps))
        decision = decide(baseline_scores, winner_scores, min_delta=config.min_delta,
                          resamples=config.bootstrap, seed=config.seed, rule=config.gate)
        report = DistillReport(
            gold_path=gold_path, out_dir=out_dir, config=config, split=split, baseline_prompt=seed_prompt,
            winner_prompt=winner_prompt, decision=decision, optimizer=outcome,
            baseline_scores=baseline_scores, winner_scores=winner_scores,
            reflection_calls=reflector.calls, seconds=time.monotonic() - started,
            usage=models.meter.by_role(), source=dict(source or {}))
        write_outputs(report)
        return report
    finally:
        if own_hub:
            await models.aclose()
