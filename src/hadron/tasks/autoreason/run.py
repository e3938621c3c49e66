"""``hadron autoreason`` as a library call: refine every prompt by tournament, write the summary, export.

    result = await run_autoreason(RunRequest(AutoReasonConfig(), Path("runs/demo"), source="prompts.jsonl"))
    result.summary  # RunSummary, also in OUT/autoreason_summary.json
"""

from __future__ import annotations

import json

from hadron.data.sources import SourceConfig
from hadron.redact import redact
from hadron.runtime.export import export_finished
from hadron.runtime.pipeline import Pipeline
from hadron.runtime.rundir import RunDir
from hadron.runtime.task import RunRequest, TaskResult
from hadron.tasks.autoreason.config import AutoReasonConfig
from hadron.tasks.autoreason.step import AutoReason
from hadron.tasks.autoreason.summary import summarize

SUMMARY_FILE = "autoreason_summary.json"
FORMATS = ("all",)


async def run_autoreason(request: RunRequest) -> TaskResult:
    """Run (or resume) the tournament over ``request.source`` into ``request.out``; then the summary
    (``OUT/autoreason_summary.json``, its judge position bias also in ``stats.json``) and every export
    format."""
    settings: AutoReasonConfig = request.settings
    step = AutoReason("autoreason", **settings.model_dump())
    source = SourceConfig(path=request.source) if isinstance(request.source, str) else request.source
    pipeline = Pipeline(source=source, steps=[step])
    result = await pipeline.run(request.out, progress=request.progress, retry_errors=request.retry_errors,
                                cache=request.cache, workers=request.workers)
    manifest = result.manifest
    rows = (located.row for located in RunDir(request.out).rows()) if manifest.rows else iter(())
    summary = summarize(rows, failed=manifest.errors)
    (request.out / SUMMARY_FILE).write_text(redact(json.dumps(summary.to_json(), indent=2)) + "\n",
                                            encoding="utf-8")
    RunDir(request.out).write_stats_section("position_bias", summary.position_bias)
    exports = export_finished(request.out, manifest.rows, FORMATS)
    return TaskResult(request.out, result, exports, summary)
