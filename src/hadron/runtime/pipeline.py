"""``Pipeline``: a source, a graph of steps and a sink; ``await pipeline.run(out_dir)`` does the rest.

    pipeline = Pipeline(source="prompts.jsonl", steps=[Generate("answer", model="local")])
    result = await pipeline.run("runs/demo")          # resumable: run it again after a crash

A run directory (``out_dir``) holds ``config.yaml`` (the resolved config: ``hadron run`` replays it),
``manifest.json``, ``data/part-NNNNN.jsonl|parquet``, ``errors.jsonl``, ``rejects.jsonl``,
``cache.sqlite`` (the request cache), ``checkpoint/``, ``log.jsonl`` and ``stats.json``.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from hadron.core import Row, canonical_json, stable_hash
from hadron.data.sinks import SinkConfig
from hadron.errors import ConfigError, DuplicateIdError, InputError
from hadron.runtime.dag import DagError, build_dag, check_columns
from hadron.runtime.executors import Executor, RunResult, get_executor
from hadron.runtime.registry import step_spec
from hadron.runtime.step import Step

if TYPE_CHECKING:
    from hadron.data.sources import Source
    from hadron.llm.hub import ModelHub
    from hadron.runtime.progress import ProgressMode

__all__ = ["Pipeline", "RowsSource", "RunResult"]


class RowsSource:
    """An in-memory source for notebooks and tests: a list of dicts (ids from content when missing)."""

    def __init__(self, rows: Sequence[Row]) -> None:
        self._rows = rows

    def rows(self, on_error: Any = None) -> Iterator[Row]:
        """The rows with string ids (a hash of the row, ``-N`` on repeats, when it has none); a repeated
        given id stops before the first row, as it does for a file source."""
        if not self._rows:
            raise InputError("<rows>", "no rows")
        rows: list[Row] = []
        made_ids: Counter[str] = Counter()
        first: dict[str, int] = {}
        repeats: list[tuple[str, int, int]] = []
        for number, given in enumerate(self._rows, start=1):
            row = dict(given)
            if "id" in row:
                row["id"] = str(row["id"])
                if first.setdefault(row["id"], number) != number:
                    repeats.append((row["id"], first[row["id"]], number))
            else:
                made = f"{stable_hash(row):016x}"
                row["id"] = f"{made}-{made_ids[made]}" if made_ids[made] else made
                made_ids[made] += 1
            rows.append(row)
        if repeats:
            row_id, earlier, line = repeats[0]
            raise DuplicateIdError("<rows>", row_id, line=line, first_line=earlier, count=len(repeats))
        yield from rows

    def describe(self) -> dict[str, Any]:
        return {"format": "inline", "rows": len(self._rows)}


UNSAVED = "<not saved: supply this value>"
"""What a run's ``config.yaml`` holds in place of each ``storage_options`` value (credentials, endpoints):
the keys stay, so a replay names the values it needs (``load_pipeline`` refuses to run until supplied)."""


def _unsaved(options: dict[str, Any]) -> dict[str, str]:
    return {key: UNSAVED for key in options}


SourceLike = Any
"""A ``hadron.data.sources`` ``Source`` or ``SourceConfig``, a path or URL, or a list of row dicts."""


class Pipeline:
    def __init__(self, source: SourceLike, steps: Sequence[Step], *,
                 edges: Iterable[tuple[str, str]] | None = None,
                 sink: SinkConfig | dict[str, Any] | None = None,
                 max_in_flight: int = 256, origins: dict[str, str] | None = None) -> None:
        """``edges``: ``(upstream, downstream)`` step names; ``None`` chains ``steps`` in order.

        ``origins`` maps step names to ``file:line`` so graph errors point into a YAML file.
        """
        self.origins = dict(origins or {})
        self.source = source
        self.steps = list(steps)
        with self._located():
            self.dag = build_dag(self.steps, edges)
        self.sink = sink if isinstance(sink, SinkConfig) else SinkConfig.model_validate(sink or {})
        if max_in_flight < 1:
            raise ConfigError("max_in_flight must be at least 1")
        self.max_in_flight = max_in_flight

    @contextlib.contextmanager
    def _located(self) -> Iterator[None]:
        """Prefix a graph error with the step's ``file:line`` when the pipeline came from YAML."""
        try:
            yield
        except DagError as err:
            if err.step not in self.origins:
                raise
            raise ConfigError(f"{self.origins[err.step]}: {err}") from err

    # -- the source --------------------------------------------------------------------------------

    def open_source(self) -> Source | RowsSource:
        from hadron.data.sources import Source, SourceConfig, open_source

        source = self.source
        if isinstance(source, Source | RowsSource):
            return source
        if isinstance(source, list | tuple):
            return RowsSource(source)
        if isinstance(source, str | Path):
            source = SourceConfig(path=str(source))
        if isinstance(source, SourceConfig):
            return open_source(source)
        if callable(getattr(source, "rows", None)):
            return source  # anything shaped like a Source
        raise ConfigError(f"cannot use {type(source).__name__} as a source",
                          hint="pass a path, a SourceConfig, a Source or a list of dicts")

    def source_config(self) -> dict[str, Any]:
        config = getattr(self.source, "config", self.source)
        if isinstance(config, BaseModel):
            data = dict(config.model_dump(exclude_defaults=True))
        elif isinstance(config, str | Path):
            data = {"path": str(config)}
        else:
            return {"type": "inline"}
        if data.get("storage_options"):
            data["storage_options"] = _unsaved(data["storage_options"])
        path = data.get("path")
        if isinstance(path, str) and "://" not in path and Path(path).exists():
            data["path"] = str(Path(path).resolve())  # so the saved config replays from anywhere
        return data

    # -- config ------------------------------------------------------------------------------------

    def validate(self, source_columns: Iterable[str]) -> None:
        """Check the graph against the source's columns (``run`` does this before anything runs)."""
        with self._located():
            check_columns(self.dag, source_columns)

    def config(self) -> dict[str, Any]:
        """The resolved config, as saved to ``RUN/config.yaml`` (``load_pipeline`` reads it back);
        ``storage_options`` keep their keys, never their values."""
        steps = [{**step_spec(step), "after": list(self.dag.parents[name])}
                 for name, step in self.dag.steps.items()]
        sink = self.sink.model_dump(exclude_defaults=True)
        if sink.get("storage_options"):
            sink["storage_options"] = _unsaved(sink["storage_options"])
        return {"source": self.source_config(), "steps": steps, "sink": sink,
                "run": {"max_in_flight": self.max_in_flight}}

    def config_hash(self) -> str:
        """What the output depends on: the steps and the format (not the source, shard size or limits)."""
        config = self.config()
        identity = {"steps": config["steps"], "format": self.sink.format}
        return hashlib.sha256(canonical_json(identity).encode()).hexdigest()[:16]

    # -- running -----------------------------------------------------------------------------------

    async def run(self, out_dir: str | Path, *, models: ModelHub | None = None, retry_errors: bool = False,
                  strict: bool = False, progress: ProgressMode = "auto",
                  executor: str | Executor = "local", cache: str | Path | None = None,
                  workers: int = 1) -> RunResult:
        """Run (or resume, or refresh) the pipeline into ``out_dir``.

        ``models``: a hub to use (default: one with its request cache in ``out_dir/cache.sqlite``).
        ``retry_errors`` re-runs only the rows in errors.jsonl; ``strict`` stops at the first malformed
        input line instead of recording it. Cancelling (Ctrl-C) stops cleanly: finished rows are kept
        and the same call resumes. ``executor``: ``"local"`` (this process), ``"ray"``, or an executor
        object such as ``RayExecutor(address="auto")`` (``hadron.runtime.executors``). ``cache``: the
        request cache when ``models`` is unset (default ``$HADRON_CACHE``, else ``out_dir/cache.sqlite``;
        ``RunDir.cache_for``); a cache shared by several runs replays every call they have in common.
        ``workers``: more than 1 spreads the rows over that many processes (the ``pool`` executor).
        """
        if workers > 1 and executor == "local":
            executor = get_executor("pool", workers=workers)
        runner = get_executor(executor) if isinstance(executor, str) else executor
        return await runner.run(self, Path(out_dir), models=models, retry_errors=retry_errors, strict=strict,
                                progress=progress, cache=cache)
