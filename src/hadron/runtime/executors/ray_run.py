"""The driver's side of a Ray run directory: the same files a local run leaves, built from blocks.

``config.yaml``, ``checkpoint/state.json`` (config hash; ``clean`` false while a session runs),
``manifest.json`` (every finished block's shards), ``errors.jsonl`` (malformed input lines, then the
blocks' error records), ``rejects.jsonl``, ``stats.json`` (summed over sessions) and ``log.jsonl``.
The files derived from blocks are rewritten from the done markers at the end of every session, so
they always agree with the shards.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from hadron import __version__
from hadron.data.sinks import Manifest, ShardInfo, ShardSink, open_sink
from hadron.data.sinks.files import atomic_write_text
from hadron.errors import ConfigError, InputError
from hadron.llm.accounting import Meter, Tally
from hadron.runtime.checkpoint import read_run_state, write_card, write_run_state
from hadron.runtime.executors.blocks import BlockResult, BlockStore
from hadron.runtime.progress import Reporter, RunLog
from hadron.runtime.records import SOURCE_STEP, ErrorRecord, utc_now
from hadron.runtime.stats import RunStats, add_tallies

if TYPE_CHECKING:
    from hadron.runtime.pipeline import Pipeline
    from hadron.runtime.progress import ProgressMode


class RayRunDir:
    """Open with ``open()``; record finished blocks with ``block_done``; always ``close()``."""

    def __init__(self, pipeline: Pipeline, out: Path, source: Any, progress: ProgressMode) -> None:
        self.pipeline = pipeline
        self.out = out
        self.source = source
        self.blocks = BlockStore(out)
        self.stats = RunStats()
        self.meter = Meter()
        self.models: dict[str, dict[str, Any]] = {}
        self.reporter = Reporter(progress, self.stats, self.meter)
        self.complete = False
        self.interrupted = False
        self.done: dict[int, BlockResult] = {}
        self.input_errors: dict[str, dict[str, Any]] = {}
        self._state_path = out / "checkpoint" / "state.json"
        self._started = time.monotonic()
        self.sink: ShardSink | None = None
        self.log: RunLog | None = None
        self.manifest: Manifest | None = None

    # -- opening -----------------------------------------------------------------------------------

    def open(self) -> None:
        state = self._read_state()
        config_hash = self.pipeline.config_hash()
        if state and state.get("config_hash") != config_hash:
            raise ConfigError(f"{self.out} holds a run of a different pipeline (config hash "
                              f"{state.get('config_hash')}, this one {config_hash})",
                              hint="use a new --out, or restore the pipeline that made it")
        self.out.mkdir(parents=True, exist_ok=True)
        self.blocks.dir.mkdir(parents=True, exist_ok=True)
        atomic_write_text(self.out / "config.yaml",
                          yaml.safe_dump(self.pipeline.config(), sort_keys=False, allow_unicode=True))
        self.created = str(state.get("created") or utc_now())
        self.sink = open_sink(self.pipeline.sink, self.out)
        self.done = self.blocks.markers()
        self.blocks.clean_finished(self.done)
        self._load_input_errors()
        self._write_state(clean=False)
        self.log = RunLog(self.out / "log.jsonl")
        self.log.event("start", hadron_version=__version__, config_hash=config_hash, executor="ray",
                       blocks_done=len(self.done))
        self.reporter.start()

    def _read_state(self) -> dict[str, Any]:
        return read_run_state(self._state_path)

    def _write_state(self, *, clean: bool) -> None:
        write_run_state(self._state_path, config_hash=self.pipeline.config_hash(), created=self.created,
                        clean=clean, executor="ray", hadron_version=__version__)

    def _load_input_errors(self) -> None:
        path = self.out / "errors.jsonl"
        for record in _read_records(path):
            if record.get("step") == SOURCE_STEP:
                self.input_errors[str(record.get("id"))] = record

    def input_error(self, err: InputError) -> None:
        """The source's ``on_error``: a malformed line, recorded once across sessions."""
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
        models = result.stats.get("models") or {}
        self.models = add_tallies(self.models, models)
        for role, tally in models.items():
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
            return
        self.reporter.stop()
        self.stats.seconds = time.monotonic() - self._started
        done = [self.done[index] for index in sorted(self.done)]
        errors = list(self.input_errors.values()) + [e for block in done for e in block.errors]
        atomic_write_text(self.out / "errors.jsonl", "".join(_line(e) for e in errors))
        rejects = [r for block in done for r in block.rejects]
        atomic_write_text(self.out / "rejects.jsonl", "".join(_line(r) for r in rejects))
        self._write_manifest(done)
        self._write_stats()
        self._write_state(clean=True)
        write_card(self.out, self.log)
        manifest = self.manifest
        self.log.event("end", interrupted=self.interrupted, complete=self.complete,
                       rows=manifest.rows if manifest else None, stats=self.stats.to_dict())
        self.log.close()
        self.log = None

    def _write_manifest(self, done: list[BlockResult]) -> None:
        assert self.sink is not None
        shards: list[ShardInfo] = [shard for block in done for shard in block.shards]
        rejected: dict[str, int] = {}
        for block in done:
            for reject in block.rejects:
                reason = str(reject.get("reason"))
                rejected[reason] = rejected.get(reason, 0) + 1
        manifest = Manifest(
            hadron_version=__version__, created=self.created, updated=utc_now(),
            config_hash=self.pipeline.config_hash(), format=self.pipeline.sink.format,
            data=self.pipeline.sink.path or "data",
            rows=sum(s.rows for s in shards), shards=shards, columns=Manifest.merge_columns(shards),
            errors=sum(len(block.errors) for block in done), input_errors=len(self.input_errors),
            rejected=rejected, source=self.source.describe(), complete=self.complete and not self.interrupted)
        text = manifest.model_dump_json(indent=2)
        atomic_write_text(self.out / "manifest.json", text)
        if self.pipeline.sink.path:
            self.sink.put_text("manifest.json", text)
        self.manifest = manifest

    def _write_stats(self) -> None:
        path = self.out / "stats.json"
        before: dict[str, Any] = json.loads(path.read_text()) if path.exists() else {}
        total = RunStats.from_dict(before) + self.stats if before else self.stats
        data = {**total.to_dict(), "models": add_tallies(before.get("models", {}), self.models)}
        atomic_write_text(path, json.dumps(data, indent=2))


def _line(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, default=str) + "\n"


def _read_records(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    records = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        try:
            value = json.loads(raw)
        except ValueError:
            continue
        if isinstance(value, dict):
            records.append(value)
    return records
