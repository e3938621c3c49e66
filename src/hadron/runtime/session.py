"""One local session of a run directory: open it (resume state, config check), run, and close it cleanly.

The directory's files are written through ``RunDir``; its state's ``clean`` flag is false while a
session runs, so the next one knows the last was killed and rebuilds errors.jsonl / rejects.jsonl from
the journal.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hadron import __version__
from hadron.core import Row
from hadron.data.sinks import Manifest, ShardSink, open_sink
from hadron.errors import DuplicateIdError, InputError
from hadron.runtime.checkpoint import Journal
from hadron.runtime.progress import Reporter, RunLog, count_lines
from hadron.runtime.records import ErrorRecord, Outcome, RejectRecord, utc_now
from hadron.runtime.rowflow import RowFlow
from hadron.runtime.rundir import RunDir
from hadron.runtime.scheduler import Scheduler, Selection
from hadron.runtime.stats import RunStats, tally_dict
from hadron.runtime.step import restores

if TYPE_CHECKING:
    from hadron.llm.hub import ModelHub
    from hadron.runtime.pipeline import Pipeline
    from hadron.runtime.progress import ProgressMode


class InputErrors:
    """The source's ``on_error`` callback: buffers until the session can record, then forwards.

    ``strict`` raises a malformed record at once; a repeated id under ``keep-first`` (``DuplicateIdError``)
    is a rule at work, not a malformed record, so it is recorded (as a reject) even then."""

    def __init__(self, *, strict: bool = False) -> None:
        self.strict = strict
        self.buffer: list[InputError] = []
        self.target: Callable[[InputError], None] | None = None

    def __call__(self, err: InputError) -> None:
        if self.strict and not isinstance(err, DuplicateIdError):
            raise err
        if self.target is None:
            self.buffer.append(err)
        else:
            self.target(err)

    def attach(self, target: Callable[[InputError], None]) -> None:
        self.target = target
        for err in self.buffer:
            target(err)
        self.buffer.clear()


class Session:
    def __init__(self, pipeline: Pipeline, out: Path, source: Any, *, models: ModelHub | None,
                 progress: ProgressMode, cache: Path | str | None = None) -> None:
        from hadron.llm.hub import ModelHub

        self.pipeline = pipeline
        self.out = out
        self.run_dir = RunDir(out)
        self.source = source
        self.stats = RunStats()
        self.own_hub = models is None
        self.hub = models if models is not None else ModelHub(cache_path=self.run_dir.cache_for(cache))
        self.progress_mode = progress
        self.interrupted = False
        self.complete = False
        self.retry = False
        self._manifest: Manifest | None = None
        self.journal: Journal | None = None
        self.log: RunLog | None = None
        self.reporter: Reporter | None = None

    # -- opening -----------------------------------------------------------------------------------

    async def open(self, *, retry_errors: bool, input_errors: InputErrors) -> None:
        pipeline = self.pipeline
        for step in pipeline.steps:  # a bad model spec fails here, before the run dir is touched
            await step.setup(self.hub)
        config_hash = pipeline.config_hash()
        state = self.run_dir.begin(config=pipeline.config(), config_hash=config_hash)
        self.created = str(state.get("created") or utc_now())
        self.sink: ShardSink = open_sink(pipeline.sink, self.out)
        self.journal = Journal(self.run_dir, self.sink, pipeline.sink.shard_rows)
        resumed = self.journal.load(rebuild=bool(state) and not state.get("clean", True))
        self._write_state(clean=False)
        self.selection = Selection(done=resumed.done)
        if retry_errors:
            self.retry = True
            self.selection.retry = self.journal.retry_targets()
        self.log = RunLog(self.run_dir.log_path)
        self.log.event("start", hadron_version=__version__, config_hash=config_hash,
                       resumed_rows=len(resumed.done), shards=len(resumed.shards),
                       retry=len(self.selection.retry) if self.selection.retry is not None else None)
        await self._restore()
        self.reporter = Reporter(self.progress_mode, self.stats, self.hub.meter)
        self.reporter.count_skipped = not self.retry
        input_errors.attach(self._input_error)

    async def _restore(self) -> None:
        """Hand the rows earlier sessions wrote to the steps that keep state across rows: their source
        rows are skipped from now on, so ``process`` will not see them again (``Step.restore``)."""
        assert self.journal is not None and self.log is not None
        steps = [step for step in self.pipeline.steps if restores(step)]
        if not steps or not self.journal.state.rows_out:
            return
        used = {step.name: await step.restore(self.journal.written_rows()) for step in steps}
        self.log.event("restore", rows=self.journal.state.rows_out, steps=used)

    def _write_state(self, *, clean: bool) -> None:
        self.run_dir.write_state(config_hash=self.pipeline.config_hash(), created=self.created, clean=clean,
                                 executor="local")

    def _input_error(self, err: InputError) -> None:
        assert self.journal is not None and self.log is not None
        if isinstance(err, DuplicateIdError):
            self._duplicate(err)
            return
        record = ErrorRecord.of_input(err)
        if self.journal.record_input_error(record):
            self.stats.input_errors += 1
            self.log.event("input_error", file=err.path, line=err.line, message=err.reason)

    def _duplicate(self, err: DuplicateIdError) -> None:
        """A repeated id under ``keep-first``: journaled as a finished source (``file:line``) holding one
        reject, so it counts as done, is rebuilt after a crash and is recorded once across sessions."""
        assert self.journal is not None
        reject = RejectRecord.of_duplicate(err)
        if reject.id in self.journal.state.done:
            return
        self.journal.record(Outcome(source_id=reject.id, rejects=[reject]))

    # -- running -----------------------------------------------------------------------------------

    async def run(self, rows: Iterator[Row]) -> None:
        assert self.journal is not None and self.reporter is not None
        flow = RowFlow(self.pipeline.dag, self.hub, self.stats)
        scheduler = Scheduler(flow, self.journal, self.stats, max_in_flight=self.pipeline.max_in_flight,
                              selection=self.selection, on_outcome=self._on_outcome)
        self.reporter.start()
        counting = asyncio.create_task(self._estimate_total())
        try:
            await scheduler.run(rows)
            self.complete = True
        finally:
            counting.cancel()

    async def _estimate_total(self) -> None:
        assert self.reporter is not None
        if self.selection.retry is not None:
            self.reporter.set_total(len(self.selection.retry))
            return
        config = getattr(self.source, "config", None)
        if config is None:
            described = self.source.describe()
            self.reporter.set_total(described.get("rows"))
            return
        if config.format not in ("jsonl", "text", "csv"):
            return
        lines = await asyncio.to_thread(count_lines, config.path)
        if lines is not None:
            lines -= config.format == "csv"
            for cap in (config.head, config.sample):
                lines = min(lines, cap) if cap else lines
            self.reporter.set_total(lines)

    def _on_outcome(self, outcome: Outcome) -> None:
        assert self.reporter is not None and self.log is not None
        for error in outcome.errors:
            self.log.event("row_failed", id=error.id, step=error.step, error_type=error.error_type,
                           message=error.message, attempts=error.attempts)
        self.reporter.update()

    # -- closing -----------------------------------------------------------------------------------

    async def close(self) -> None:
        """Publish what is done, write the manifest and stats, mark the directory clean."""
        try:
            if self.journal is not None:
                if self.reporter is not None:
                    self.reporter.stop()
                self.journal.record_unrouted(dict(self.hub.meter.unrouted))
                self.journal.close()
                if self.retry:
                    self.journal.rebuild(rejects=False)
                self._write_manifest()
                # from the journal, not this session's meter: rows a killed session finished count too
                models = {role: tally_dict(t) for role, t in self.journal.state.models().items()}
                self.run_dir.add_stats(self.stats, models, structured=self.hub.structured_choices())
                self._write_state(clean=True)
                self.run_dir.finish(self.log)
            if self.log is not None:
                self.log.event("end", interrupted=self.interrupted, complete=self.complete,
                               rows=self._manifest.rows if self._manifest else None,
                               stats=self.stats.to_dict())
                self.log.close()
        finally:
            self.run_dir.release()
            if self.own_hub:
                await self.hub.aclose()

    def manifest(self) -> Manifest:
        assert self._manifest is not None
        return self._manifest

    def _write_manifest(self) -> None:
        assert self.journal is not None
        state = self.journal.state
        self._manifest = self.run_dir.write_manifest(
            self.sink, created=self.created, config_hash=self.pipeline.config_hash(), shards=state.shards,
            errors=state.errors, input_errors=len(state.input_errors), rejected=dict(state.rejected),
            source=self.source.describe(), complete=self.complete and not self.interrupted)
