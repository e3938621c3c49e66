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
from typing import TYPE_CHECKING, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from hadron.core.config import read_yaml, validate
from hadron.data.sinks import SinkConfig
from hadron.errors import ConfigError, InputError
from hadron.runtime.export import export_finished
from hadron.runtime.rundir import RunDir
from hadron.runtime.task import RunRequest, TaskResult
from hadron.tasks.agentic.config import SMALL_MODEL_CAPS, AgenticConfig, answer_cap
from hadron.tasks.agentic.family_exports import write_family_shards
from hadron.tasks.agentic.mix import MixEntry, Scenarios, resolve
from hadron.tasks.agentic.spot_checks import write_report
from hadron.tasks.agentic.step import Agentic, plan_rows

if TYPE_CHECKING:
    from hadron.runtime.export import ExportStats
    from hadron.runtime.progress import ProgressMode

SFT_FORMATS = ["sft-trl", "sft-openai", "sft-sharegpt"]


class Concurrency(BaseModel):
    """The framework's ``concurrency`` block."""

    model_config = ConfigDict(extra="forbid")

    max_workers: int = Field(ge=1, le=1024)


class AgenticRunConfig(AgenticConfig):
    scenarios: Scenarios = "all"
    """A scenario file, a folder of them, a family name, ``all``, or a mix (``mix.py``)."""
    scenario_mix: list[MixEntry] | None = Field(default=None, exclude=True)
    """The framework's name for a mix; folded into ``scenarios``."""
    episodes: int | None = Field(default=None, ge=1)
    """Episodes in all, shared by mix weight; None runs each scenario's ``target_count``."""
    concurrency: int | Concurrency = 4
    """Episodes in flight at once (model calls are limited by the model layer too); the framework's
    ``{max_workers: N}`` means the same."""
    sink: SinkConfig = Field(default_factory=SinkConfig)
    exports: list[str] = Field(default_factory=lambda: list(SFT_FORMATS))
    """Export formats written to ``OUT/exports`` after the run (empty: none)."""

    @model_validator(mode="after")
    def _framework_run_keys(self) -> AgenticRunConfig:
        if "concurrency" not in self.model_fields_set and answer_cap(self.teacher) is not None:
            self.concurrency = SMALL_MODEL_CAPS["run"]["concurrency"]
        if isinstance(self.concurrency, Concurrency):
            self.concurrency = self.concurrency.max_workers
        if not 1 <= self.concurrency <= 1024:
            raise ValueError("concurrency must be between 1 and 1024")
        if self.scenario_mix is not None:
            if "scenarios" in self.model_fields_set:
                raise ValueError("give scenarios or scenario_mix, not both")
            self.scenarios, self.scenario_mix = self.scenario_mix, None
        return self

    @property
    def in_flight(self) -> int:
        assert isinstance(self.concurrency, int)
        return self.concurrency


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
    family_exports: dict[str, int] = field(default_factory=dict)
    """Accepted episodes per family written as ``exports/<family>/shard-*.jsonl``."""
    language_rejects: int = 0
    """Episodes discarded because a reply broke the language policy (``qa.json`` has the rest)."""


def load_run_config(path: str | Path, **overrides: Any) -> AgenticRunConfig:
    """Read ``path``; relative scenario sources are relative to the file; errors name file:line.
    ``overrides`` (command-line flags: top-level keys, ``loop``/``review`` blocks merged key by key) are
    applied to the file's settings before the one validation, so caps that depend on the teacher follow
    the teacher finally chosen."""
    path = Path(path)
    doc = read_yaml(path)
    data = {} if doc.data is None else doc.data
    if not isinstance(data, dict) or (doc.node is not None and not isinstance(doc.node, yaml.MappingNode)):
        raise InputError(str(path), "expected a mapping of settings", line=1)
    _relative_sources(data, path.parent)
    validate(AgenticRunConfig, data, doc, indices="dots")  # the file alone: errors name file:line
    if not overrides:
        return validate(AgenticRunConfig, data, doc, indices="dots")
    for role in ("teacher", "reviewer"):
        if role in overrides:
            data.pop(f"{role}_pool", None)
    if "review" in overrides and isinstance(data.get("review_flow"), dict):
        review = dict(overrides.pop("review"))
        flow = {key: review.pop(key) for key in ("enabled", "max_rounds") if key in review}
        data["review_flow"] = {**data["review_flow"], **flow}
        if review:
            overrides["review"] = review
    if "scenarios" in overrides:
        data.pop("scenario_mix", None)
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    return validate(AgenticRunConfig, data, indices="dots")


def _relative_sources(data: dict[str, Any], folder: Path) -> None:
    """Scenario files and folders named in the config are relative to it."""

    def resolved(source: Any) -> Any:
        if isinstance(source, str) and (folder / source).exists():
            return str((folder / source).resolve())
        return source

    if isinstance(data.get("scenarios"), str):
        data["scenarios"] = resolved(data["scenarios"])
    for key in ("scenarios", "scenario_mix"):
        entries = data.get(key)
        if isinstance(entries, list):
            for entry in entries:
                if isinstance(entry, dict) and "source" in entry:
                    entry["source"] = resolved(entry["source"])


async def run_agentic(
    config: AgenticRunConfig, out: str | Path, *, progress: ProgressMode = "auto", retry_errors: bool = False,
    cache: Path | None = None, workers: int = 1,
) -> RunSummary:
    """Run (or resume) the episodes into ``out``; ``retry_errors`` re-runs only the rows whose model calls
    failed last time (RUN/errors.jsonl)."""
    task = await run_task(RunRequest(config, Path(out), progress=progress, retry_errors=retry_errors,
                                     cache=cache, workers=workers))
    summary: RunSummary = task.summary
    return summary


async def run_task(request: RunRequest) -> TaskResult:
    """The agentic task's command (``Task.run``): episodes → pipeline → SFT exports → ``RunSummary``."""
    from hadron.runtime import Pipeline

    config: AgenticRunConfig = request.settings
    out = Path(request.out)
    scenarios = resolve(
        config.scenarios, config.prompts.language_policy
    )  # bad files fail here, before any call
    rows = plan_rows(scenarios, config.episodes)
    if not rows:
        raise ConfigError(
            "no episodes to run: every scenario has target_count 0",
            hint="pass --episodes N or raise a scenario's target_count",
        )
    options = config.model_dump(exclude={"episodes", "concurrency", "sink", "exports"})
    step = Agentic("agentic", **options)
    pipeline = Pipeline(source=rows, steps=[step], sink=config.sink, max_in_flight=config.in_flight)
    result = await pipeline.run(out, progress=request.progress, retry_errors=request.retry_errors,
                                cache=request.cache, workers=request.workers)
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
    if result.rows:
        accepted = (located.row for located in RunDir(out).rows())
        summary.family_exports = write_family_shards(RunDir(out).exports_dir, accepted)
    summary.language_rejects = write_report(out).language_rejects
    return TaskResult(out, result, summary.exports, summary)


__all__ = ["SFT_FORMATS", "AgenticRunConfig", "RunSummary", "load_run_config", "run_agentic", "run_task"]
