"""``export_run``: read a run's rows once, extract each needed kind of record, render and schema-check
every record for every requested format, and only then move the files into place.

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

from pydantic import ValidationError

from hadron.data.exports.autoreason import EXTRACTORS, Extraction, Kind, RowError
from hadron.data.exports.base import ExportFormat
from hadron.data.exports.registry import resolve_formats
from hadron.data.exports.rows import RunRow
from hadron.data.exports.shards import LocatedRow, find_shards, iter_rows
from hadron.errors import HadronError, InputError
from hadron.redact import redact


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
    run = Path(run_dir)
    chosen = resolve_formats(formats)
    shards = find_shards(run)
    target = Path(out_dir) if out_dir is not None else run / "exports"
    target.mkdir(parents=True, exist_ok=True)

    by_kind: dict[Kind, list[ExportFormat]] = {}
    for fmt in chosen:
        by_kind.setdefault(fmt.kind, []).append(fmt)
    stats = {fmt.name: ExportStats(path=target / fmt.filename) for fmt in chosen}

    with _staged({fmt.name: target / fmt.filename for fmt in chosen}) as files:
        for located in iter_rows(shards):
            row = _parse(located)
            for kind, formats_of_kind in by_kind.items():
                extraction = _extract(kind, row, located)
                for fmt in formats_of_kind:
                    stats[fmt.name].skipped.update(extraction.skipped)
                    for record in extraction.records:
                        files[fmt.name].write(redact(_render(fmt, record, located)) + "\n")
                        stats[fmt.name].written += 1
    return stats


def _parse(located: LocatedRow) -> RunRow:
    try:
        return RunRow.of(located.row)
    except ValidationError as err:
        row_id = located.row.get("id", "?")
        raise InputError(str(located.path), f"row {row_id!r}: {_first_error(err)}",
                         line=located.line) from err


def _extract(kind: Kind, row: RunRow, located: LocatedRow) -> Extraction[Any]:
    try:
        return EXTRACTORS[kind](row)
    except RowError as err:
        raise InputError(str(located.path), str(err), line=located.line) from err
    except ValidationError as err:
        raise InputError(str(located.path), f"row {row.id!r}: {_first_error(err)}",
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
