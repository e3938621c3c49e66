"""``hadron nanoflux`` as a library call: run the rounds until every domain's pool is full, select the
final set from the pool (``selection.jsonl`` says why each item was kept or left out), then write the
SFT exports of the selected rows.

    result = await run_nanoflux(RunRequest(NanoFluxConfig(domains=["math"]), Path("runs/nf")))
    result.summary  # NanoFluxSummary: kept per domain, rejects by reason, failed rounds
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from hadron.runtime.export import export_finished
from hadron.runtime.pipeline import Pipeline, RunResult
from hadron.runtime.progress import ProgressMode
from hadron.runtime.rundir import RunDir
from hadron.runtime.task import RunRequest, TaskResult
from hadron.tasks.nanoflux.selection import Selection, select_run, write_selection
from hadron.tasks.nanoflux.step import NanoFluxStep, RoundSource

FORMATS = ("sft-trl", "sft-openai", "sft-sharegpt")


@dataclass(slots=True)
class NanoFluxSummary:
    rows: int
    rejected: dict[str, int]
    errors: int
    kept: dict[str, int] = field(default_factory=dict)
    """Questions pooled per domain, over every session of the run."""
    selected: dict[str, int] = field(default_factory=dict)
    """Questions selected per domain from the pool (the dataset the exports hold)."""
    per_domain: int = 0
    pool: int = 0
    restored: int = 0
    """Kept questions restored from earlier sessions (a resumed run)."""
    already_full: bool = False
    """Every domain's budget was full before this session: nothing ran."""


async def run_rounds(step: NanoFluxStep, out: Path, *, progress: ProgressMode = "quiet",
                     retry_errors: bool = False, cache: Path | None = None, workers: int = 1) -> RunResult:
    """Run the step's rounds into ``out``. On a resumed run the session restores the questions earlier
    sessions kept (``Step.restore``), as for ``step: nanoflux``. Closes the step."""
    try:
        options = step.options
        pipeline = Pipeline(source=RoundSource(step), steps=[step],
                            max_in_flight=options.concurrency * len(options.domains))
        return await pipeline.run(out, progress=progress, retry_errors=retry_errors, cache=cache,
                                  workers=workers)
    finally:
        await step.aclose()


async def run_step(step: NanoFluxStep, out: Path, *, quiet: bool = True,
                   retry_errors: bool = False) -> tuple[int, dict[str, int], int]:
    """Run the rounds; (rows, rejects by reason, errors) in ``out``."""
    result = await run_rounds(step, out, progress="quiet" if quiet else "auto", retry_errors=retry_errors)
    manifest = result.manifest
    return manifest.rows, dict(manifest.rejected), manifest.errors


async def run_nanoflux(request: RunRequest) -> TaskResult:
    """Run (or resume) NanoFlux with ``request.settings`` (a ``NanoFluxConfig``) into ``request.out``,
    then the SFT exports."""
    step = NanoFluxStep("nanoflux", **request.settings.model_dump())
    result = await run_rounds(step, request.out, progress=request.progress,
                              retry_errors=request.retry_errors, cache=request.cache,
                              workers=request.workers)
    options = step.options
    manifest = result.manifest
    run = RunDir(request.out)
    selection = select_run(run) if manifest.rows else Selection()
    write_selection(run, selection)
    counts = selection.per_domain()
    summary = NanoFluxSummary(
        rows=manifest.rows, rejected=dict(manifest.rejected), errors=manifest.errors,
        kept={domain: step.curator.kept[domain] for domain in options.domains},
        selected={domain: counts.get(domain, {}).get("selected", 0) for domain in options.domains},
        per_domain=options.per_domain, pool=options.pool_size(), restored=step.restored,
        already_full=result.stats.rows_in == 0 and all(step.full(domain) for domain in options.domains))
    exports = export_finished(request.out, manifest.rows, FORMATS)
    return TaskResult(request.out, result, exports, summary)
