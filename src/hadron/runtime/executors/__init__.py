"""Where a pipeline's rows run: ``local`` (one event loop in this process) or ``ray`` (blocks of rows on
a Ray cluster). The pipeline, its output layout and its manifest are the same for both.

    await pipeline.run("runs/demo", executor="ray")                       # a local Ray instance
    await pipeline.run("runs/demo", executor=RayExecutor(address="auto"))  # a running cluster

Adding an executor: one module with a class satisfying ``Executor`` and one line in ``EXECUTORS``.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from hadron.errors import ConfigError

if TYPE_CHECKING:
    from hadron.llm.hub import ModelHub
    from hadron.runtime.pipeline import Pipeline, RunResult
    from hadron.runtime.progress import ProgressMode


class Executor(Protocol):
    """Runs (or resumes) ``pipeline`` into ``out_dir``; same arguments and result as ``Pipeline.run``."""

    name: str

    async def run(self, pipeline: Pipeline, out_dir: Path, *, models: ModelHub | None, retry_errors: bool,
                  strict: bool, progress: ProgressMode) -> RunResult: ...


EXECUTORS: dict[str, str] = {
    "local": "hadron.runtime.executors.local:LocalExecutor",
    "ray": "hadron.runtime.executors.ray:RayExecutor",
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


BLOCKS_DIR = Path("checkpoint") / "blocks"
"""Under a run directory: per-block done markers and work directories (Ray runs only)."""


def check_layout(out_dir: Path, executor: str) -> None:
    """Refuse to resume a run directory that another executor made: their checkpoints differ, and
    mixing them would write some rows twice."""
    blocks = (out_dir / BLOCKS_DIR).is_dir()
    local = any((out_dir / "checkpoint").glob("part-*.done.jsonl"))
    other = "ray" if blocks and executor != "ray" else "local" if local and executor == "ray" else None
    if other is not None:
        raise ConfigError(f"{out_dir} was made with --executor {other}",
                          hint=f"resume it with --executor {other}, or use a new --out")


__all__ = ["BLOCKS_DIR", "EXECUTORS", "Executor", "check_layout", "get_executor"]
