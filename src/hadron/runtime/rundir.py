"""The run directory: the one owner of its layout and file names, its lock and state, the manifest and
stats a session ends with, and the readers of its rows, errors and rejects.

    RUN/
      config.yaml           the resolved pipeline (``hadron run RUN/config.yaml`` replays it)
      manifest.json         every published shard, counts, and whether the source was read to the end
      stats.json            counts summed over sessions; model usage summed over the rows
      data/part-*.jsonl     the rows (or ``.parquet``; or under the sink's own ``path``/URL)
      errors.jsonl          malformed input lines, then the rows that failed
      rejects.jsonl         rows dropped on purpose, with their reason
      log.jsonl             one event per line
      cache.sqlite          the request cache
      checkpoint/           state.json, lock, and the journal (local) or block markers (Ray)
      README.md             the dataset card (written by a finisher, see ``FINISHERS``)

The local session (``session.Session``) and the Ray driver (``executors.ray_run.RaySession``) write
through this class; exports and QA read through it. Rows may live elsewhere (a sink ``path``), but
everything else stays in the local directory.
"""

from __future__ import annotations

import gzip
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Literal

import yaml

from hadron import __version__
from hadron.data.sinks import Manifest, ShardInfo, ShardSink
from hadron.data.sinks.base import DATA_DIR
from hadron.data.sinks.files import atomic_write_text
from hadron.errors import ConfigError, InputError
from hadron.runtime.records import utc_now

if TYPE_CHECKING:
    from hadron.runtime.progress import RunLog
    from hadron.runtime.stats import RunStats

CONFIG = "config.yaml"
MANIFEST = "manifest.json"
STATS = "stats.json"
ERRORS = "errors.jsonl"
REJECTS = "rejects.jsonl"
LOG = "log.jsonl"
CACHE = "cache.sqlite"
CACHE_ENV = "HADRON_CACHE"
"""Environment variable naming a request cache shared by every run that is not given one (``--cache``)."""
CARD = "README.md"
DATA = DATA_DIR
EXPORTS = "exports"
CHECKPOINT = "checkpoint"
SHARD_PATTERNS = ("part-*.jsonl", "part-*.jsonl.gz", "part-*.parquet")
"""The data shards, in any format a run or a user may leave (read in name order)."""

FINISHERS = "hadron.finishers"
"""Entry-point group of ``(run_dir: Path) -> object`` callables run when a session closes, after the
manifest and stats are written (the dataset card: ``hadron.qa.card:write_dataset_card``). They live
above the runtime, so it never imports them; a failing one is logged and never fails the run."""

RecordKind = Literal["errors", "rejects"]


@dataclass(frozen=True, slots=True)
class LocatedRow:
    """A raw row and where it came from (line for JSONL, 1-based row number for Parquet)."""

    path: Path
    line: int
    row: dict[str, Any]


class RunDir:
    """One run directory. Writers: ``begin`` (owner check, lock, config), ``write_state``,
    ``write_manifest``, ``add_stats``, ``write_stats_section``, ``write_records``, ``finish``,
    ``release``. Readers: ``read_*``, ``shards``, ``rows``, ``records``."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock: IO[str] | None = None

    def __repr__(self) -> str:
        return f"RunDir({str(self.path)!r})"

    # -- names -------------------------------------------------------------------------------------

    @property
    def config_path(self) -> Path:
        return self.path / CONFIG

    @property
    def manifest_path(self) -> Path:
        return self.path / MANIFEST

    @property
    def stats_path(self) -> Path:
        return self.path / STATS

    @property
    def errors_path(self) -> Path:
        return self.path / ERRORS

    @property
    def rejects_path(self) -> Path:
        return self.path / REJECTS

    @property
    def log_path(self) -> Path:
        return self.path / LOG

    @property
    def cache_path(self) -> Path:
        return self.path / CACHE

    def cache_for(self, cache: str | Path | None = None) -> Path:
        """The request cache a session uses: ``cache`` when given, else ``$HADRON_CACHE``, else
        ``RUN/cache.sqlite``. One cache may serve many runs (and processes at once): it is keyed by the
        rendered request, so changed settings never collide and unchanged calls replay for free."""
        chosen = cache if cache is not None else os.environ.get(CACHE_ENV) or None
        return Path(chosen).expanduser() if chosen is not None else self.cache_path

    @property
    def card_path(self) -> Path:
        return self.path / CARD

    @property
    def data_dir(self) -> Path:
        return self.path / DATA

    @property
    def exports_dir(self) -> Path:
        return self.path / EXPORTS

    def task_path(self, name: str) -> Path:
        """A file a task's command writes beside the data (NanoFlux: ``selection.jsonl``)."""
        return self.path / name

    @property
    def checkpoint_dir(self) -> Path:
        """The local journal (``part-N.*``), ``state.json`` and ``lock``."""
        return self.path / CHECKPOINT

    @property
    def blocks_dir(self) -> Path:
        """Ray runs only: per-block done markers and work directories."""
        return self.checkpoint_dir / "blocks"

    @property
    def state_path(self) -> Path:
        return self.checkpoint_dir / "state.json"

    def records_path(self, kind: RecordKind) -> Path:
        return self.errors_path if kind == "errors" else self.rejects_path

    # -- a session's writes ------------------------------------------------------------------------

    def begin(self, *, config: dict[str, Any], config_hash: str) -> dict[str, Any]:
        """Open the directory for a session: refuse another pipeline's run, take the lock, save the
        config. Returns the earlier state (``{}`` for a new run)."""
        state = self.read_state()
        if state and state.get("config_hash") != config_hash:
            raise ConfigError(f"{self.path} holds a run of a different pipeline (config hash "
                              f"{state.get('config_hash')}, this one {config_hash})",
                              hint="use a new --out, or restore the pipeline that made it")
        try:
            self.checkpoint_dir.mkdir(parents=True, exist_ok=True)
            self._take_lock()
            atomic_write_text(self.config_path, yaml.safe_dump(config, sort_keys=False, allow_unicode=True))
        except OSError as exc:
            reason = exc.strerror or exc
            raise InputError(str(self.path), f"cannot write the run directory: {reason}") from exc
        return state

    def check_layout(self, executor: str) -> None:
        """Refuse to resume a run directory that another executor made: their checkpoints differ, and
        mixing them would write some rows twice."""
        made_by = None
        if self.blocks_dir.is_dir():  # blocks: Ray, or --workers N (the state says which)
            made_by = str(self.read_state().get("executor") or "ray")
        elif any(self.checkpoint_dir.glob("part-*.done.jsonl")):
            made_by = "local"
        if made_by is not None and made_by != executor:
            flag = {"pool": "--workers 2 or more"}.get(made_by, f"--executor {made_by}")
            raise ConfigError(f"{self.path} was made with {flag}",
                              hint=f"resume it with {flag}, or use a new --out")

    def _take_lock(self) -> None:
        """One session per run directory: a second one would interleave journals."""
        try:
            import fcntl
        except ImportError:  # not POSIX: no lock
            return
        handle = open(self.checkpoint_dir / "lock", "a")  # noqa: SIM115 - held until release()
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            handle.close()
            raise ConfigError(f"{self.path} is in use by another hadron run",
                              hint="wait for it to finish, or use another --out") from exc
        self._lock = handle

    def release(self) -> None:
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    def write_state(self, *, config_hash: str, created: str, clean: bool, executor: str) -> None:
        """``checkpoint/state.json``: ``clean`` is false while a session runs, so the next one knows the
        last was killed."""
        state: dict[str, Any] = {"config_hash": config_hash, "created": created, "clean": clean}
        if executor != "local":
            state["executor"] = executor
        state["hadron_version"] = __version__
        atomic_write_text(self.state_path, json.dumps(state, indent=2))

    def write_manifest(self, sink: ShardSink, *, created: str, config_hash: str, shards: list[ShardInfo],
                       errors: int, input_errors: int, rejected: dict[str, int], source: dict[str, Any],
                       complete: bool) -> Manifest:
        """``manifest.json`` here, and a copy next to the shards when they live under a sink ``path``."""
        manifest = Manifest(
            hadron_version=__version__, created=created, updated=utc_now(), config_hash=config_hash,
            format=sink.config.format, data=sink.config.path or DATA,
            rows=sum(s.rows for s in shards), shards=shards, columns=Manifest.merge_columns(shards),
            errors=errors, input_errors=input_errors, rejected=rejected, source=source, complete=complete)
        text = manifest.model_dump_json(indent=2)
        atomic_write_text(self.manifest_path, text)
        if sink.config.path:
            sink.put_text(MANIFEST, text)
        return manifest

    def add_stats(self, stats: RunStats, models: dict[str, dict[str, Any]],
                  structured: dict[str, Any] | None = None) -> None:
        """Add this session's counts to ``stats.json`` (the sum over sessions) and set the run's model
        tallies, ``models``: derived from what the run recorded (the journal's done lines, or the
        blocks' markers), never summed per session, since a killed session writes no stats;
        ``structured``: how each model took structured output (``ModelHub.structured_choices``)."""
        from hadron.runtime.stats import RunStats, session_keys

        before = self.read_stats()
        total = RunStats.from_dict(before) + stats if before else stats
        sections = {key: value for key, value in before.items() if key not in session_keys()}
        data = {**total.to_dict(), "models": models, **sections,
                "structured": {**before.get("structured", {}), **(structured or {})}}
        atomic_write_text(self.stats_path, json.dumps(data, indent=2))

    def write_stats_section(self, name: str, value: dict[str, Any]) -> None:
        """Set one section of ``stats.json`` that a task computed from the finished rows (AutoReason's
        judge position bias); later sessions keep it when they add their counts."""
        data = self.read_stats()
        data[name] = value
        atomic_write_text(self.stats_path, json.dumps(data, indent=2))

    def write_records(self, kind: RecordKind, records: list[dict[str, Any]]) -> None:
        """Replace ``errors.jsonl`` or ``rejects.jsonl`` in one step (the Ray driver rebuilds them from
        its block markers; the local journal appends and rebuilds its own, see ``checkpoint``)."""
        lines = "".join(json.dumps(r, ensure_ascii=False, default=str) + "\n" for r in records)
        atomic_write_text(self.records_path(kind), lines)

    def finish(self, log: RunLog | None) -> None:
        """Run the finishers (``FINISHERS``); one that fails is logged as ``<name>_failed``."""
        for entry in sorted(entry_points(group=FINISHERS), key=lambda e: e.name):
            try:
                entry.load()(self.path)
            except Exception as exc:
                if log is not None:
                    log.event(f"{entry.name}_failed", error=f"{type(exc).__name__}: {exc}")

    # -- readers -----------------------------------------------------------------------------------

    def read_state(self) -> dict[str, Any]:
        """``checkpoint/state.json`` (config hash, created, clean flag, executor), or ``{}``."""
        if not self.state_path.exists():
            return {}
        try:
            state = json.loads(self.state_path.read_text())
        except ValueError as exc:
            raise ConfigError(f"{self.state_path}: unreadable ({exc})") from exc
        return state if isinstance(state, dict) else {}

    def read_manifest(self) -> dict[str, Any]:
        return read_json(self.manifest_path)

    def read_stats(self) -> dict[str, Any]:
        return read_json(self.stats_path)

    def read_config(self) -> dict[str, Any]:
        path = self.config_path
        if not path.is_file():
            return {}
        try:
            value = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as err:
            raise InputError(str(path), f"cannot read YAML ({err})") from None
        return value if isinstance(value, dict) else {}

    def shards(self) -> list[Path]:
        """The data shards under ``data/`` in name order (``part-00000`` before ``part-00001``)."""
        folder = self.data_dir
        if not folder.is_dir():
            return []
        return sorted({p for pattern in SHARD_PATTERNS for p in folder.glob(pattern) if p.is_file()})

    def require_shards(self) -> list[Path]:
        """``shards``, or a one-line error saying what is missing."""
        if not self.path.is_dir():
            raise InputError(str(self.path), "no such run directory")
        shards = self.shards()
        if not shards:
            raise InputError(str(self.data_dir), "no data shards", hint="expected part-*.jsonl or "
                             "part-*.parquet; has the run written any rows?")
        return shards

    def rows(self) -> Iterator[LocatedRow]:
        """Every row of every shard, streamed, with where it came from; none when there are no shards."""
        for shard in self.shards():
            yield from read_shard(shard)

    def records(self, kind: RecordKind) -> Iterator[dict[str, Any]]:
        """``errors`` or ``rejects`` records; nothing when the file is absent. A torn last line (a killed
        writer) is skipped; any other malformed line names ``file:line``."""
        path = self.records_path(kind)
        if path.is_file():
            yield from (located.row for located in read_jsonl(path, torn_tail=True))


# -- reading files ---------------------------------------------------------------------------------


def read_json(path: Path) -> dict[str, Any]:
    """A small JSON file of the run directory, or ``{}`` when absent."""
    if not path.is_file():
        return {}
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise InputError(str(path), f"cannot read JSON ({err})") from None
    return value if isinstance(value, dict) else {"value": value}


def read_shard(path: Path) -> Iterator[LocatedRow]:
    """The rows of one data file by extension: JSONL (optionally gzipped) or Parquet."""
    if path.suffix == ".parquet":
        return _read_parquet(path)
    return read_jsonl(path)


def read_jsonl(path: Path, *, torn_tail: bool = False) -> Iterator[LocatedRow]:
    """One dict per non-blank line. ``torn_tail``: an unterminated last line that does not parse is the
    torn write of a killed process, and is skipped."""
    opener = gzip.open if path.name.endswith(".gz") else open
    try:
        with opener(path, "rb") as handle:
            for number, raw in enumerate(handle, start=1):
                if not raw.strip():
                    continue
                try:
                    value = json.loads(raw)
                except UnicodeDecodeError as err:
                    if torn_tail and not raw.endswith(b"\n"):
                        return
                    raise InputError(str(path), f"not UTF-8 text ({err.reason})", line=number) from None
                except json.JSONDecodeError as err:
                    if torn_tail and not raw.endswith(b"\n"):
                        return
                    raise InputError(str(path), f"invalid JSON ({err.msg})", line=number) from None
                if not isinstance(value, dict):
                    raise InputError(str(path), "expected a JSON object per line", line=number)
                yield LocatedRow(path, number, value)
    except OSError as err:
        raise InputError(str(path), f"cannot read ({err.strerror or err})") from None


def _read_parquet(path: Path) -> Iterator[LocatedRow]:
    import pyarrow as pa  # a core dependency

    from hadron.data.sinks.parquet import iter_parquet_rows

    try:
        for number, row in enumerate(iter_parquet_rows(path, json_columns(path)), start=1):
            yield LocatedRow(path, number, row)
    except (OSError, ValueError, pa.ArrowException) as err:
        raise InputError(str(path), f"cannot read Parquet ({err})") from None


def json_columns(shard: Path) -> list[str]:
    """A Parquet shard's JSON-text columns, from the manifest beside it (a sink ``path``) or in the run
    directory above ``data/``; none when there is no manifest (a Parquet file hadron did not write)."""
    for manifest in (shard.parent / MANIFEST, shard.parent.parent / MANIFEST):
        if manifest.is_file():
            try:
                shards = json.loads(manifest.read_text(encoding="utf-8")).get("shards") or []
            except (OSError, ValueError, AttributeError):
                return []
            return next((list(s.get("json_columns") or []) for s in shards
                         if isinstance(s, dict) and s.get("name") == shard.name), [])
    return []
