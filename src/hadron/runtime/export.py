"""``export_run``: read a run's rows once, let each row's task extract the needed kinds of record, render
and schema-check every record for every requested format, and only then move the files into place.

Which task reads a row is the registry's answer (``task.task_of_row``): the row's ``method``, else the
run's task from its config. A row that names no task in a run whose config names none is read with the
AutoReason row contract (``FALLBACK_TASK``; prompt + generation, or a finished ``messages``
conversation, plus an optional tournament trace), which is what ``hadron export`` has always read.

All outputs are written to temporary files next to their targets and renamed at the end, so a bad
record (a HadronError naming the format, file:line, row id and field) leaves no partial export behind.
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

from hadron.data.exports.base import ExportFormat
from hadron.data.exports.extraction import Extraction, RowError
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


def export_run(run_dir: str | Path, formats: str | Iterable[str] = "all",
               out_dir: str | Path | None = None) -> dict[str, ExportStats]:
    """Export a finished run's rows (``RUN/data/part-*``) into ``out_dir`` (default ``RUN/exports``).

    ``formats``: names from ``FORMATS`` (repeated or comma-separated) or ``"all"``. Returns the stats of
    each format by name. Raises HadronError before writing anything if any record is invalid.
    """
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

    wanted = run_task.dataset(run) if run_task is not None and run_task.dataset is not None else None
    with _staged({fmt.name: target / fmt.filename for fmt in chosen}) as files:
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
                for fmt in formats_of_kind:
                    stats[fmt.name].skipped.update(extraction.skipped)
                    for record in extraction.records:
                        files[fmt.name].write(redact(_render(fmt, record, located)) + "\n")
                        stats[fmt.name].written += 1
    return stats


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
def _staged(targets: dict[str, Path]) -> Iterator[dict[str, IO[str]]]:
    """Open a temp file beside each target; on success rename them all into place, else delete them."""
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
        os.replace(handle.name, targets[name])


def export_finished(out: str | Path, rows: int, formats: str | Iterable[str]) -> dict[str, ExportStats]:
    """The exports a task's command writes after its run: none when the run has no rows (or no formats
    were asked for), else ``export_run`` into ``OUT/exports``."""
    wanted = [formats] if isinstance(formats, str) else list(formats)
    if not rows or not wanted:
        return {}
    return export_run(out, wanted)
