"""``export_run``: read a run's rows once, let each row's task extract the needed kinds of record, render
and schema-check every record for every requested format, and only then move the files into place.

Which task reads a row is the registry's answer (``task.task_of_row``): the row's ``method``, else the
run's task from its config. A row that names no task in a run whose config names none is read with the
AutoReason row contract (``FALLBACK_TASK``; prompt + generation, or a finished ``messages``
conversation, plus an optional tournament trace), which is what ``hadron export`` has always read.

All outputs are written to temporary files next to their targets and renamed at the end, so a bad
record (a HadronError naming the format, file:line, row id and field) leaves no partial export behind.
A format with no records writes no file (and removes an old one): never an empty file; its stats and
the exports' ``README.md`` say why. ``ExportOptions`` screens records (preference margin and pairs,
truncated texts) and each record left out is counted by reason.
"""

from __future__ import annotations

import os
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from pydantic import BaseModel, ValidationError

from hadron.data.exports import guide
from hadron.data.exports.base import ExportFormat
from hadron.data.exports.extraction import Extraction, RowError
from hadron.data.exports.options import ExportOptions, screen
from hadron.data.exports.registry import resolve_formats
from hadron.errors import HadronError, InputError
from hadron.redact import redact
from hadron.runtime.rundir import LocatedRow, RunDir
from hadron.runtime.task import Task, get_task, task_of_row, task_of_run

FALLBACK_TASK = "autoreason"


@dataclass(slots=True)
class ExportStats:
    """What one format's export wrote, and what it left out by reason."""

    path: Path
    written: int = 0
    skipped: Counter[str] = field(default_factory=Counter)

    @property
    def has_file(self) -> bool:
        """False when no record was written, so no file was (an empty one is never left behind)."""
        return self.written > 0


def export_run(run_dir: str | Path, formats: str | Iterable[str] = "all",
               out_dir: str | Path | None = None,
               options: ExportOptions | None = None) -> dict[str, ExportStats]:
    """Export a finished run's rows (``RUN/data/part-*``) into ``out_dir`` (default ``RUN/exports``).

    ``formats``: names from ``FORMATS`` (repeated or comma-separated) or ``"all"``. Returns the stats of
    each format by name. Raises HadronError before writing anything if any record is invalid.
    """
    options = options or ExportOptions()
    run = RunDir(run_dir)
    chosen = resolve_formats(formats)
    run.require_shards()
    run_task = task_of_run(run.read_config()) or get_task(FALLBACK_TASK)
    target = Path(out_dir) if out_dir is not None else run.exports_dir
    target.mkdir(parents=True, exist_ok=True)

    by_kind: dict[str, list[ExportFormat]] = {}
    for fmt in chosen:
        by_kind.setdefault(fmt.kind, []).append(fmt)
    stats = {fmt.name: ExportStats(path=target / fmt.filename) for fmt in chosen}
    drop: set[str] = set()

    wanted = run_task.dataset(run) if run_task is not None and run_task.dataset is not None else None
    with _staged({fmt.name: target / fmt.filename for fmt in chosen}, drop) as files:
        for located in run.rows():
            if wanted is not None and not wanted(located.row):
                for fmt in chosen:
                    stats[fmt.name].skipped["not_selected"] += 1
                continue
            task = task_of_row(located.row, run_task)
            if task is None:
                raise InputError(str(located.path), "no task knows this row (no `method` column, and the "
                                 "run's config names no task)", line=located.line)
            view = _parse(task, located)
            for kind, formats_of_kind in by_kind.items():
                extraction = _extract(task, kind, view, located)
                kept = _screened(kind, extraction, options)
                for fmt in formats_of_kind:
                    stats[fmt.name].skipped.update(extraction.skipped)
                    for record in kept:
                        files[fmt.name].write(redact(_render(fmt, record, located)) + "\n")
                        stats[fmt.name].written += 1
        drop.update(name for name, result in stats.items() if not result.has_file)
    _write_guide(target, [guide.Outcome(fmt, stats[fmt.name].written, stats[fmt.name].skipped)
                          for fmt in chosen])
    return stats


def _screened(kind: str, extraction: Extraction[Any], options: ExportOptions) -> list[Any]:
    """The records the options keep; each one left out is counted in ``extraction.skipped``."""
    kept = []
    for record in extraction.records:
        reason = screen(kind, record, options)
        if reason is None:
            kept.append(record)
        else:
            extraction.skip(reason)
    return kept


def _write_guide(target: Path, outcomes: list[guide.Outcome]) -> None:
    """``README.md`` always; ``dataset_info.json`` while ShareGPT files exist (an old one is removed)."""
    _replace(target / guide.README, guide.readme(outcomes))
    info = guide.dataset_info(outcomes)
    if info is None:
        (target / guide.DATASET_INFO).unlink(missing_ok=True)
    else:
        _replace(target / guide.DATASET_INFO, guide.dumps(info))


def _replace(path: Path, text: str) -> None:
    temp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    temp.write_text(text, encoding="utf-8")
    os.replace(temp, path)


def _parse(task: Task, located: LocatedRow) -> BaseModel:
    try:
        return task.view(located.row)
    except ValidationError as err:
        row_id = located.row.get("id", "?")
        raise InputError(str(located.path), f"row {row_id!r}: {_first_error(err)}",
                         line=located.line) from err


def _extract(task: Task, kind: str, view: BaseModel, located: LocatedRow) -> Extraction[Any]:
    try:
        return task.extract(kind, view)
    except RowError as err:
        raise InputError(str(located.path), str(err), line=located.line) from err
    except ValidationError as err:
        row_id = located.row.get("id", "?")
        raise InputError(str(located.path), f"row {row_id!r}: {_first_error(err)}",
                         line=located.line) from err


def _render(fmt: ExportFormat, record: Any, located: LocatedRow) -> str:
    try:
        return fmt.render(record).to_json_line()
    except ValueError as err:  # pydantic's ValidationError is a ValueError too
        reason = _first_error(err) if isinstance(err, ValidationError) else str(err)
        raise HadronError(f"{fmt.name}: {located.path}:{located.line}: row {record.row_id!r}: {reason}",
                          hint="nothing was written") from err


def _first_error(err: ValidationError) -> str:
    first = err.errors(include_url=False)[0]
    where = ".".join(str(part) for part in first["loc"]) or "row"
    more = f" (+{err.error_count() - 1} more)" if err.error_count() > 1 else ""
    return f"{where}: {first['msg']}{more}"


@contextmanager
def _staged(targets: dict[str, Path], drop: set[str]) -> Iterator[dict[str, IO[str]]]:
    """Open a temp file beside each target; on success rename them all into place, else delete them.
    Names in ``drop`` (filled by the caller before leaving) had no records: their temp file and any
    old target are deleted."""
    handles: dict[str, IO[str]] = {}
    try:
        for name, path in targets.items():
            # A plain open (not mkstemp) so the file gets the usual umask permissions, not 0600.
            temp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
            handles[name] = temp.open("x", encoding="utf-8")
        yield handles
    except BaseException:
        for handle in handles.values():
            handle.close()
            Path(handle.name).unlink(missing_ok=True)
        raise
    for name, handle in handles.items():
        handle.close()
        if name in drop:
            Path(handle.name).unlink()
            targets[name].unlink(missing_ok=True)
        else:
            os.replace(handle.name, targets[name])


def describe(stats: dict[str, ExportStats]) -> str:
    """One line for a command's summary: records per file written, then the formats that wrote no file
    and why (``sft-trl 2, dpo-trl 6; no file: cot (no_reasoning=2)``)."""
    written = ", ".join(f"{name} {result.written}" for name, result in stats.items() if result.has_file)
    empty = ", ".join(
        f"{name} ({', '.join(f'{why}={n}' for why, n in sorted(result.skipped.items())) or 'no rows'})"
        for name, result in stats.items() if not result.has_file)
    return f"{written or 'nothing written'}; no file: {empty}" if empty else written


def export_finished(out: str | Path, rows: int, formats: str | Iterable[str],
                    options: ExportOptions | None = None) -> dict[str, ExportStats]:
    """The exports a task's command writes after its run: none when the run has no rows (or no formats
    were asked for), else ``export_run`` into ``OUT/exports``."""
    wanted = [formats] if isinstance(formats, str) else list(formats)
    if not rows or not wanted:
        return {}
    return export_run(out, wanted, options=options)
