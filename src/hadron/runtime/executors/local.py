"""The local executor: every row on one event loop in this process (``hadron.runtime.scheduler``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hadron.llm.hub import ModelHub
    from hadron.runtime.pipeline import Pipeline, RunResult
    from hadron.runtime.progress import ProgressMode


class LocalExecutor:
    name = "local"

    async def run(self, pipeline: Pipeline, out_dir: Path, *, models: ModelHub | None = None,
                  retry_errors: bool = False, strict: bool = False,
                  progress: ProgressMode = "auto") -> RunResult:
        return await pipeline.run(out_dir, models=models, retry_errors=retry_errors, strict=strict,
                                  progress=progress, executor="local")
