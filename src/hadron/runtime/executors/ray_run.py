"""The block driver's session of a run directory (Ray, or ``--workers N`` processes): the same files a
local run leaves, built from blocks.

Everything is written through ``RunDir``: the manifest lists every finished block's shards, errors
hold the malformed input lines then the blocks' error records, stats are summed over sessions. The
files derived from blocks (and the model tallies in stats) are rewritten from the done markers at the end
of every session, so they always agree with the shards.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hadron import __version__
from hadron.data.sinks import Manifest, ShardInfo, ShardSink, open_sink
from hadron.errors import DuplicateIdError, InputError
from hadron.llm.accounting import Meter, Tally
from hadron.runtime.executors.blocks import BlockResult, BlockStore
from hadron.runtime.progress import Reporter, RunLog
from hadron.runtime.records import SOURCE_STEP, ErrorRecord, RejectRecord, utc_now
from hadron.runtime.rundir import RunDir
from hadron.runtime.stats import RunStats, add_tallies

if TYPE_CHECKING:
    from hadron.runtime.pipeline import Pipeline
    from hadron.runtime.progress import ProgressMode


class RaySession:
    """Open with ``open()``; record finished blocks with ``block_done``; always ``close()``."""

    def __init__(self, pipeline: Pipeline, out: Path, source: Any, progress: ProgressMode,
                 executor: str = "ray") -> None:
        self.pipeline = pipeline
        self.executor = executor
        """The block executor's name (``ray``, ``pool``), saved in the state so a resume uses the same."""
        self.out = out
        self.run_dir = RunDir(out)
        self.source = source
        self.blocks = BlockStore(out)
        self.stats = RunStats()
        self.meter = Meter()
        self.reporter = Reporter(progress, self.stats, self.meter)
        self.complete = False
        self.interrupted = False
        self.done: dict[int, BlockResult] = {}
        self.input_errors: dict[str, dict[str, Any]] = {}
        self.input_rejects: dict[str, dict[str, Any]] = {}
        """Repeated ids under ``keep-first``, by ``file:line``: the driver's own rejects."""
        self._started = time.monotonic()
        self.sink: ShardSink | None = None
        self.log: RunLog | None = None
        self.manifest: Manifest | None = None

    # -- opening -----------------------------------------------------------------------------------

    def open(self) -> None:
        config_hash = self.pipeline.config_hash()
        state = self.run_dir.begin(config=self.pipeline.config(), config_hash=config_hash)
        self.blocks.dir.mkdir(parents=True, exist_ok=True)
        self.created = str(state.get("created") or utc_now())
        self.sink = open_sink(self.pipeline.sink, self.out)
        self.done = self.blocks.markers()
        self.blocks.clean_finished(self.done)
        self._load_input_errors()
        self._write_state(clean=False)
        self.log = RunLog(self.run_dir.log_path)
        self.log.event("start", hadron_version=__version__, config_hash=config_hash, executor=self.executor,
                       blocks_done=len(self.done))
        self.reporter.start()

    def _write_state(self, *, clean: bool) -> None:
        self.run_dir.write_state(config_hash=self.pipeline.config_hash(), created=self.created, clean=clean,
                                 executor=self.executor)

    def _load_input_errors(self) -> None:
        for record in self.run_dir.records("errors"):
            if record.get("step") == SOURCE_STEP:
                self.input_errors[str(record.get("id"))] = record
        for record in self.run_dir.records("rejects"):
            if record.get("step") == SOURCE_STEP:
                self.input_rejects[str(record.get("id"))] = record

    def input_error(self, err: InputError) -> None:
        """The source's ``on_error``: a malformed line, recorded once across sessions (a repeated id
        under ``keep-first`` is a reject, not an error)."""
        if isinstance(err, DuplicateIdError):
            reject = RejectRecord.of_duplicate(err)
            if reject.id not in self.input_rejects:
                self.input_rejects[reject.id] = reject.model_dump()
                self.stats.rejected.update([reject.reason])
            return
        record = ErrorRecord.of_input(err)
        if record.id not in self.input_errors:
            self.input_errors[record.id] = record.model_dump(exclude_none=True)
            self.stats.input_errors += 1
            if self.log is not None:
                self.log.event("input_error", file=err.path, line=err.line, message=err.reason)

    # -- progress ----------------------------------------------------------------------------------

    def skipped(self, rows: int) -> None:
        self.stats.rows_skipped += rows
        self.reporter.update()

    def submitted(self, rows: int) -> None:
        self.stats.rows_in += rows

    def block_done(self, result: BlockResult) -> None:
        self.blocks.mark_done(result)
        self.done[result.index] = result
        # Counts come from what the block holds, not from its stats: a session killed mid-block wrote none.
        self.stats.rows_done += result.rows_in
        self.stats.rows_out += sum(shard.rows for shard in result.shards)
        self.stats.rows_failed += len(result.errors)
        self.stats.rejected.update(str(reject.get("reason")) for reject in result.rejects)
        block = RunStats.from_dict(result.stats)
        for name, seconds in block.step_seconds.items():
            self.stats.step_seconds[name] = self.stats.step_seconds.get(name, 0.0) + seconds
        for name, calls in block.step_calls.items():
            self.stats.step_calls[name] = self.stats.step_calls.get(name, 0) + calls
        for role, tally in (result.stats.get("models") or {}).items():
            known = {k: v for k, v in tally.items() if k in Tally.__dataclass_fields__}
            self.meter.add(Tally(**known), role=role, model="ray")
        assert self.log is not None
        self.log.event("block_done", block=result.index, rows=result.rows_in, shards=len(result.shards),
                       errors=len(result.errors), worker=result.worker)
        self.reporter.update(force=True)

    def event(self, name: str, **fields: Any) -> None:
        if self.log is not None:
            self.log.event(name, **fields)

    # -- closing -----------------------------------------------------------------------------------

    def close(self) -> None:
        """Rewrite the files derived from the markers, the manifest and the stats; mark it clean."""
        if self.log is None:
            self.run_dir.release()
            return
        try:
            self.reporter.stop()
            self.stats.seconds = time.monotonic() - self._started
            done = [self.done[index] for index in sorted(self.done)]
            errors = list(self.input_errors.values()) + [e for block in done for e in block.errors]
            self.run_dir.write_records("errors", errors)
            rejects = list(self.input_rejects.values()) + [r for block in done for r in block.rejects]
            self.run_dir.write_records("rejects", rejects)
            self._write_manifest(done)
            self.run_dir.add_stats(self.stats, self.models(done))
            self._write_state(clean=True)
            self.run_dir.finish(self.log)
            manifest = self.manifest
            self.log.event("end", interrupted=self.interrupted, complete=self.complete,
                           rows=manifest.rows if manifest else None, stats=self.stats.to_dict())
            self.log.close()
            self.log = None
        finally:
            self.run_dir.release()

    @staticmethod
    def models(done: list[BlockResult]) -> dict[str, dict[str, Any]]:
        """The run's model tallies: every finished block's (from its marker), so blocks a killed driver
        finished count too, and a block run again (``--retry-errors``) counts its latest run."""
        models: dict[str, dict[str, Any]] = {}
        for block in done:
            models = add_tallies(models, block.stats.get("models") or {})
        return models

    def _write_manifest(self, done: list[BlockResult]) -> None:
        assert self.sink is not None
        shards: list[ShardInfo] = [shard for block in done for shard in block.shards]
        rejected: dict[str, int] = {}
        for reject in [*self.input_rejects.values(), *(r for block in done for r in block.rejects)]:
            reason = str(reject.get("reason"))
            rejected[reason] = rejected.get(reason, 0) + 1
        self.manifest = self.run_dir.write_manifest(
            self.sink, created=self.created, config_hash=self.pipeline.config_hash(), shards=shards,
            errors=sum(len(block.errors) for block in done), input_errors=len(self.input_errors),
            rejected=rejected, source=self.source.describe(), complete=self.complete and not self.interrupted)

