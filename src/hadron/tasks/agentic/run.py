"""A whole agentic run: plan episodes from scenarios, run them through the pipeline runtime (sharded
sinks, resume, errors and rejects files), then write the SFT exports.

    config = AgenticRunConfig(scenarios="telecom", episodes=20, teacher="openai:gpt-4o-mini")
    summary = await run_agentic(config, "runs/telecom")

The YAML form (``hadron agentic --config FILE``) holds the same fields; see ``examples/agentic.yaml``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import yaml
from pydantic import Field

from hadron.core.config import read_yaml, validate
from hadron.data.sinks import SinkConfig
from hadron.errors import ConfigError, InputError
from hadron.runtime.export import export_finished
from hadron.runtime.rundir import RunDir
from hadron.runtime.task import RunRequest, TaskResult
from hadron.tasks.agentic.config import AgenticConfig
from hadron.tasks.agentic.scenario import load_scenarios
from hadron.tasks.agentic.step import Agentic, plan_rows

if TYPE_CHECKING:
    from hadron.runtime.export import ExportStats
    from hadron.runtime.progress import ProgressMode

SFT_FORMATS = ["sft-trl", "sft-openai", "sft-sharegpt"]


class AgenticRunConfig(AgenticConfig):
    scenarios: str = "all"
    """A scenario file, a folder of them, a family name or ``all``."""
    episodes: int | None = Field(default=None, ge=1)
    """Episodes in all, shared by mix weight; None runs each scenario's ``target_count``."""
    concurrency: int = Field(default=4, ge=1, le=1024)
    """Episodes in flight at once (model calls are limited by the model layer too)."""
    sink: SinkConfig = Field(default_factory=SinkConfig)
    exports: list[str] = Field(default_factory=lambda: list(SFT_FORMATS))
    """Export formats written to ``OUT/exports`` after the run (empty: none)."""


@dataclass
class RunSummary:
    out_dir: Path
    planned: int
    rows: int
    errors: int
    rejected: dict[str, int]
    success: int
    families: Counter[str] = field(default_factory=Counter)
    served_by: Counter[str] = field(default_factory=Counter)
    exports: dict[str, ExportStats] = field(default_factory=dict)


def load_run_config(path: str | Path) -> AgenticRunConfig:
    """Read ``path``; a relative ``scenarios`` folder is relative to the file; errors name file:line."""
    path = Path(path)
    doc = read_yaml(path)
    data = {} if doc.data is None else doc.data
    if not isinstance(data, dict) or (doc.node is not None and not isinstance(doc.node, yaml.MappingNode)):
        raise InputError(str(path), "expected a mapping of settings", line=1)
    scenarios = data.get("scenarios")
    if isinstance(scenarios, str) and (path.parent / scenarios).exists():
        data["scenarios"] = str((path.parent / scenarios).resolve())
    return validate(AgenticRunConfig, data, doc, indices="dots")


async def run_agentic(
    config: AgenticRunConfig, out: str | Path, *, progress: ProgressMode = "auto", retry_errors: bool = False,
    cache: Path | None = None,
) -> RunSummary:
    """Run (or resume) the episodes into ``out``; ``retry_errors`` re-runs only the rows whose model calls
    failed last time (RUN/errors.jsonl)."""
    task = await run_task(RunRequest(config, Path(out), progress=progress, retry_errors=retry_errors,
                                     cache=cache))
    summary: RunSummary = task.summary
    return summary


async def run_task(request: RunRequest) -> TaskResult:
    """The agentic task's command (``Task.run``): episodes → pipeline → SFT exports → ``RunSummary``."""
    from hadron.runtime import Pipeline

    config: AgenticRunConfig = request.settings
    out = Path(request.out)
    scenarios = load_scenarios(config.scenarios)  # a bad scenario file fails here, before any call
    rows = plan_rows(scenarios, config.episodes)
    if not rows:
        raise ConfigError(
            "no episodes to run: every scenario has target_count 0",
            hint="pass --episodes N or raise a scenario's target_count",
        )
    options = config.model_dump(exclude={"episodes", "concurrency", "sink", "exports"})
    step = Agentic("agentic", **options)
    pipeline = Pipeline(source=rows, steps=[step], sink=config.sink, max_in_flight=config.concurrency)
    result = await pipeline.run(out, progress=request.progress, retry_errors=request.retry_errors,
                                cache=request.cache)
    summary = RunSummary(
        out,
        planned=len(rows),
        rows=result.rows,
        errors=result.errors,
        rejected=dict(result.manifest.rejected),
        success=0,
    )
    for located in RunDir(out).rows():
        row = located.row
        summary.success += bool(row.get("success"))
        summary.families[str(row.get("family"))] += 1
        summary.served_by[str(row.get("served_by"))] += 1
    summary.exports = export_finished(out, result.rows, config.exports)
    return TaskResult(out, result, summary.exports, summary)


__all__ = ["SFT_FORMATS", "AgenticRunConfig", "RunSummary", "load_run_config", "run_agentic", "run_task"]
