"""The pipeline runtime: steps joined in a graph, run row by row on one event loop, resumable.

    from hadron.runtime import Pipeline, load_pipeline
    from hadron.runtime.steps import Generate

    pipeline = Pipeline(source="prompts.jsonl", steps=[Generate("answer", model="local")])
    result = await pipeline.run("runs/demo")

Names are imported on first use, so ``from hadron.runtime.step import Step`` stays light (sources and
filters import it).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hadron.core import Reject, Row
    from hadron.runtime.config import load_pipeline
    from hadron.runtime.dag import DagError
    from hadron.runtime.pipeline import Pipeline, RunResult
    from hadron.runtime.registry import register_step
    from hadron.runtime.stats import RunStats
    from hadron.runtime.step import Step, StepContext
    from hadron.runtime.steps import Explode, Filter, Generate, Passthrough, RouteByColumn, Router

_EXPORTS = {
    "DagError": "hadron.runtime.dag",
    "Explode": "hadron.runtime.steps",
    "Filter": "hadron.runtime.steps",
    "Generate": "hadron.runtime.steps",
    "Passthrough": "hadron.runtime.steps",
    "Pipeline": "hadron.runtime.pipeline",
    "Reject": "hadron.core",
    "RouteByColumn": "hadron.runtime.steps",
    "Router": "hadron.runtime.steps",
    "Row": "hadron.core",
    "RunResult": "hadron.runtime.pipeline",
    "RunStats": "hadron.runtime.stats",
    "Step": "hadron.runtime.step",
    "StepContext": "hadron.runtime.step",
    "load_pipeline": "hadron.runtime.config",
    "register_step": "hadron.runtime.registry",
}

__all__ = [
    "DagError",
    "Explode",
    "Filter",
    "Generate",
    "Passthrough",
    "Pipeline",
    "Reject",
    "RouteByColumn",
    "Router",
    "Row",
    "RunResult",
    "RunStats",
    "Step",
    "StepContext",
    "load_pipeline",
    "register_step",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'hadron.runtime' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
