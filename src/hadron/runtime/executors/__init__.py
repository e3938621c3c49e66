"""Where a pipeline's rows run: ``local`` (one event loop in this process), ``pool`` (blocks of rows on
``--workers N`` local processes) or ``ray`` (blocks of rows on a Ray cluster). The pipeline, its output
layout and its manifest are the same for all.

    await pipeline.run("runs/demo", executor="ray")                       # a local Ray instance
    await pipeline.run("runs/demo", executor=RayExecutor(address="auto"))  # a running cluster

Adding an executor: one module with a class satisfying ``Executor`` and one line in ``EXECUTORS``.
``Pipeline.run`` always hands the run to one (``local`` by default); an executor writes the run
directory through ``hadron.runtime.rundir.RunDir``.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from hadron.errors import ConfigError

if TYPE_CHECKING:
    from hadron.data.sinks import Manifest
    from hadron.llm.hub import ModelHub
    from hadron.runtime.pipeline import Pipeline
    from hadron.runtime.progress import ProgressMode
    from hadron.runtime.stats import RunStats


@dataclass
class RunResult:
    out_dir: Path
    stats: RunStats
    """This session's counts (``RUN/stats.json`` holds the sum over sessions)."""
    manifest: Manifest

    @property
    def rows(self) -> int:
        return self.manifest.rows

    @property
    def errors(self) -> int:
        return self.manifest.errors


class Executor(Protocol):
    """Runs (or resumes) ``pipeline`` into ``out_dir``; same arguments and result as ``Pipeline.run``."""

    name: str

    async def run(self, pipeline: Pipeline, out_dir: Path, *, models: ModelHub | None, retry_errors: bool,
                  strict: bool, progress: ProgressMode, cache: Path | str | None = None) -> RunResult: ...


EXECUTORS: dict[str, str] = {
    "local": "hadron.runtime.executors.local:LocalExecutor",
    "ray": "hadron.runtime.executors.ray:RayExecutor",
    "pool": "hadron.runtime.executors.pool:PoolExecutor",
}
"""Executor name -> ``module:Class``; the class takes its options as keyword arguments."""


def get_executor(name: str, **options: Any) -> Executor:
    """The executor called ``name``, built with ``options`` (``address=`` for ray); a miss lists them."""
    target = EXECUTORS.get(name)
    if target is None:
        raise ConfigError(f"unknown executor {name!r}", hint=f"valid executors: {', '.join(EXECUTORS)}")
    module_name, _, attr = target.partition(":")
    cls = getattr(importlib.import_module(module_name), attr)
    executor: Executor = cls(**options)
    return executor


__all__ = ["EXECUTORS", "Executor", "RunResult", "get_executor"]
