"""The local executor: every row on one event loop in this process (``hadron.runtime.scheduler``)."""

from __future__ import annotations

import asyncio
import itertools
import time
from pathlib import Path
from typing import TYPE_CHECKING

from hadron.errors import InputError
from hadron.runtime.executors import RunResult
from hadron.runtime.gc_policy import collect_less_often
from hadron.runtime.rundir import RunDir
from hadron.runtime.session import InputErrors, Session

if TYPE_CHECKING:
    from hadron.llm.hub import ModelHub
    from hadron.runtime.pipeline import Pipeline
    from hadron.runtime.progress import ProgressMode


class LocalExecutor:
    name = "local"

    async def run(self, pipeline: Pipeline, out_dir: Path, *, models: ModelHub | None = None,
                  retry_errors: bool = False, strict: bool = False,
                  progress: ProgressMode = "auto", cache: Path | str | None = None) -> RunResult:
        RunDir(out_dir).check_layout(self.name)
        source = pipeline.open_source()
        pending = InputErrors(strict=strict)
        rows = source.rows(on_error=pending)
        first = next(iter(rows), None)
        if first is None:
            raise InputError(str(pipeline.source_config().get("path", "<source>")), "no rows")
        pipeline.validate(first.keys())
        session = Session(pipeline, out_dir, source, models=models, progress=progress, cache=cache)
        started = time.monotonic()
        with collect_less_often():
            try:
                await session.open(retry_errors=retry_errors, input_errors=pending)
                await session.run(itertools.chain([first], rows))
            except asyncio.CancelledError:
                session.interrupted = True
                raise
            finally:
                session.stats.seconds = time.monotonic() - started
                await session.close()
        return RunResult(out_dir, session.stats, session.manifest())
