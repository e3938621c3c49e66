"""Hadron: turn prompts into better-than-the-teacher training data for smaller models.

    import asyncio
    from hadron import AutoReason, ModelHub, Pipeline

    async def main() -> None:
        async with ModelHub(cache_path="runs/demo/cache.sqlite") as hub:
            pipeline = Pipeline("examples/prompts.jsonl", [AutoReason(model="local")])
            await pipeline.run("runs/demo", models=hub)

    asyncio.run(main())

The names below are imported on first use, so ``import hadron`` stays light.
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

try:
    __version__ = version("hadron-distill")
except PackageNotFoundError:  # running from a source tree
    __version__ = "0.0.0+src"

if TYPE_CHECKING:
    from hadron.core import Reject
    from hadron.data.sources import SourceConfig, open_source
    from hadron.errors import ConfigError, HadronError, InputError
    from hadron.llm import ModelConfig, ModelHub, PoolConfig
    from hadron.qa import write_dataset_card, write_report
    from hadron.runtime import Generate, Pipeline, Step, load_pipeline, register_step
    from hadron.runtime.export import export_run
    from hadron.tasks.autoreason import AutoReason, AutoReasonConfig, refine

_EXPORTS = {
    "AutoReason": "hadron.tasks.autoreason",
    "AutoReasonConfig": "hadron.tasks.autoreason",
    "ConfigError": "hadron.errors",
    "Generate": "hadron.runtime",
    "HadronError": "hadron.errors",
    "InputError": "hadron.errors",
    "ModelConfig": "hadron.llm",
    "ModelHub": "hadron.llm",
    "Pipeline": "hadron.runtime",
    "PoolConfig": "hadron.llm",
    "Reject": "hadron.core",
    "SourceConfig": "hadron.data.sources",
    "Step": "hadron.runtime",
    "export_run": "hadron.runtime.export",
    "load_pipeline": "hadron.runtime",
    "open_source": "hadron.data.sources",
    "refine": "hadron.tasks.autoreason",
    "register_step": "hadron.runtime",
    "write_dataset_card": "hadron.qa",
    "write_report": "hadron.qa",
}

__all__ = [
    "AutoReason",
    "AutoReasonConfig",
    "ConfigError",
    "Generate",
    "HadronError",
    "InputError",
    "ModelConfig",
    "ModelHub",
    "Pipeline",
    "PoolConfig",
    "Reject",
    "SourceConfig",
    "Step",
    "__version__",
    "export_run",
    "load_pipeline",
    "open_source",
    "refine",
    "register_step",
    "write_dataset_card",
    "write_report",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'hadron' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
