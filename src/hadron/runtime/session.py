"""One session of a run directory: open it (resume state, config check), run, and close it cleanly.

``RUN/checkpoint/state.json`` holds the config hash (a run directory belongs to one pipeline), the
creation time, and ``clean``: false while a session runs, so the next one knows the last was killed and
rebuilds errors.jsonl / rejects.jsonl from the journal.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import yaml

from hadron import __version__
from hadron.data.sinks import Manifest, ShardSink, open_sink
from hadron.data.sinks.files import atomic_write_text
from hadron.errors import ConfigError, InputError
from hadron.runtime.checkpoint import Journal, read_run_state, write_card, write_run_state
from hadron.runtime.progress import Reporter, RunLog, count_lines
from hadron.runtime.records import ErrorRecord, Outcome, utc_now
from hadron.runtime.rowflow import RowFlow
from hadron.runtime.scheduler import Scheduler, Selection
from hadron.runtime.stats import RunStats, add_tallies, tally_dict
from hadron.runtime.step import Row, restores

if TYPE_CHECKING:
    from hadron.llm.hub import ModelHub
    from hadron.runtime.pipeline import Pipeline
    from hadron.runtime.progress import ProgressMode


class InputErrors:
    """The source's ``on_error`` callback: buffers until the session can record, then forwards."""

    def __init__(self) -> None:
        self.buffer: list[InputError] = []
        self.target: Callable[[InputError], None] | None = None

    def __call__(self, err: InputError) -> None:
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
                 progress: ProgressMode) -> None:
        from hadron.llm.hub import ModelHub

        self.pipeline = pipeline
        self.out = out
        self.source = source
        self.stats = RunStats()
        self.own_hub = models is None
        self.hub = models if models is not None else ModelHub(cache_path=out / "cache.sqlite")
        self.progress_mode = progress
        self.interrupted = False
        self.complete = False
        self.retry = False
        self._state_path = out / "checkpoint" / "state.json"
        self._manifest: Manifest | None = None
        self.journal: Journal | None = None
        self.log: RunLog | None = None
        self.reporter: Reporter | None = None
        self._lock_handle: IO[str] | None = None

    # -- opening -----------------------------------------------------------------------------------

    async def open(self, *, retry_errors: bool, input_errors: InputErrors) -> None:
        pipeline = self.pipeline
        for step in pipeline.steps:  # a bad model spec fails here, before the run dir is touched
            await step.setup(self.hub)
        state = self._read_state()
        config_hash = pipeline.config_hash()
        if state and state.get("config_hash") != config_hash:
            raise ConfigError(f"{self.out} holds a run of a different pipeline (config hash "
                              f"{state.get('config_hash')}, this one {config_hash})",
                              hint="use a new --out, or restore the pipeline that made it")
        try:
            self.out.mkdir(parents=True, exist_ok=True)
            self._lock()
            atomic_write_text(self.out / "config.yaml",
                              yaml.safe_dump(pipeline.config(), sort_keys=False, allow_unicode=True))
        except OSError as exc:
            raise InputError(str(self.out), f"cannot write the run directory: {exc.strerror or exc}") from exc
        self.created = str(state.get("created") or utc_now())
        self.sink: ShardSink = open_sink(pipeline.sink, self.out)
        self.journal = Journal(self.out, self.sink, pipeline.sink.shard_rows)
        resumed = self.journal.load(rebuild=bool(state) and not state.get("clean", True))
        self._write_state(clean=False)
        self.selection = Selection(done=resumed.done)
        if retry_errors:
            self.retry = True
            self.selection.retry = self.journal.retry_targets()
        self.log = RunLog(self.out / "log.jsonl")
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

    def _lock(self) -> None:
        """One session per run directory: a second ``hadron run`` on it would interleave journals."""
        try:
            import fcntl
        except ImportError:  # not POSIX: no lock
            return
        path = self._state_path.parent / "lock"
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(path, "a")  # noqa: SIM115 - held for the session, closed by close()
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            handle.close()
            raise ConfigError(f"{self.out} is in use by another hadron run",
                              hint="wait for it to finish, or use another --out") from exc
        self._lock_handle = handle

    def _read_state(self) -> dict[str, Any]:
        return read_run_state(self._state_path)

    def _write_state(self, *, clean: bool) -> None:
        write_run_state(self._state_path, config_hash=self.pipeline.config_hash(), created=self.created,
                        clean=clean, hadron_version=__version__)

    def _input_error(self, err: InputError) -> None:
        assert self.journal is not None and self.log is not None
        record = ErrorRecord.of_input(err)
        if self.journal.record_input_error(record):
            self.stats.input_errors += 1
            self.log.event("input_error", file=err.path, line=err.line, message=err.reason)

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
                self.journal.close()
                if self.retry:
                    self.journal.rebuild(rejects=False)
                self._write_manifest()
                self._write_stats()
                self._write_state(clean=True)
                write_card(self.out, self.log)
            if self.log is not None:
                self.log.event("end", interrupted=self.interrupted, complete=self.complete,
                               rows=self._manifest.rows if self._manifest else None,
                               stats=self.stats.to_dict())
                self.log.close()
        finally:
            if self._lock_handle is not None:
                self._lock_handle.close()
            if self.own_hub:
                await self.hub.aclose()

    def manifest(self) -> Manifest:
        assert self._manifest is not None
        return self._manifest

    def _write_manifest(self) -> None:
        assert self.journal is not None
        state = self.journal.state
        shards = state.shards
        manifest = Manifest(
            hadron_version=__version__, created=self.created, updated=utc_now(),
            config_hash=self.pipeline.config_hash(), format=self.pipeline.sink.format,
            data=self.pipeline.sink.path or "data",
            rows=sum(s.rows for s in shards), shards=shards, columns=Manifest.merge_columns(shards),
            errors=state.errors, input_errors=len(state.input_errors), rejected=dict(state.rejected),
            source=self.source.describe(), complete=self.complete and not self.interrupted)
        text = manifest.model_dump_json(indent=2)
        atomic_write_text(self.out / "manifest.json", text)
        if self.pipeline.sink.path:
            self.sink.put_text("manifest.json", text)
        self._manifest = manifest

    def _write_stats(self) -> None:
        path = self.out / "stats.json"
        before: dict[str, Any] = json.loads(path.read_text()) if path.exists() else {}
        total = RunStats.from_dict(before) + self.stats if before else self.stats
        models = {role: tally_dict(t) for role, t in self.hub.meter.by_role().items()}
        data = {**total.to_dict(), "models": add_tallies(before.get("models", {}), models),
                "structured": {**before.get("structured", {}), **self.hub.structured_choices()}}
        atomic_write_text(path, json.dumps(data, indent=2))
