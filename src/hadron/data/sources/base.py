"""A source: a format that yields raw records, and the shared loop that turns them into rows.

A format writes ``records(report)``: a generator of ``Record(line, data)`` in file order that hands every
malformed record to ``report`` and moves on. The base owns the rest (``shape.py``): column mapping,
prompt and id checks, stable ids, dedup, head, sample, and the "zero rows" error. ``report`` raises when
the caller gave no ``on_error`` callback, so the default is to stop at the first bad record.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from hadron.core import Row
from hadron.data.sources.files import require_readable
from hadron.data.sources.shape import shape
from hadron.errors import DuplicateIdError, InputError

if TYPE_CHECKING:
    from hadron.data.sources.config import SourceConfig

ErrorHandler = Callable[[InputError], None]


@dataclass(frozen=True, slots=True)
class Record:
    """One raw record: 1-based line (JSONL, CSV, text) or row number (parquet, hf) and its fields."""

    line: int
    data: dict[str, Any]


@dataclass(slots=True)
class SourceStats:
    """Counts from the last ``rows()`` pass, for the manifest."""

    records: int = 0
    rows: int = 0
    errors: int = 0
    duplicates: int = 0
    """Rows dropped by ``dedup`` (a repeated prompt)."""
    duplicate_ids: int = 0
    """Rows dropped by ``on_duplicate_id: keep-first`` (a repeated id)."""
    first_error: InputError | None = None
    """The first malformed record, named when no row is left."""


def raise_error(err: InputError) -> None:
    """The default ``on_error``: stop at the first malformed record. A repeated id under ``keep-first``
    is not malformed: with no run to record it, it is only dropped."""
    if not isinstance(err, DuplicateIdError):
        raise err


class Source:
    """Base class for formats. Subclasses set ``format``/``suffixes`` and write ``records``."""

    format: ClassVar[str] = ""
    suffixes: ClassVar[tuple[str, ...]] = ()
    checks_columns: bool = False
    """True when the format checks configured columns itself (header, schema) before any row."""

    def __init__(self, config: SourceConfig) -> None:
        self.config = config
        self.path = config.path
        self.stats = SourceStats()

    def check(self) -> None:
        """Fail fast (called by ``open_source``): missing, unreadable or empty file, wrong schema."""
        require_readable(self.path, self.config.storage_options)

    def records(self, report: ErrorHandler) -> Iterator[Record]:
        raise NotImplementedError

    def rows(self, on_error: ErrorHandler | None = None) -> Iterator[Row]:
        """Stream rows, each with a string ``id`` and a non-empty ``prompt``.

        Bad records go to ``on_error`` and are skipped; without a callback the first one is raised. Under
        ``on_duplicate_id: keep-first`` a repeated id also goes to ``on_error``, as a ``DuplicateIdError``.
        """
        self.stats = SourceStats()
        handler = on_error or raise_error

        def report(err: InputError) -> None:
            if isinstance(err, DuplicateIdError):
                self.stats.duplicate_ids += 1
            else:
                self.stats.errors += 1
                if self.stats.first_error is None:
                    self.stats.first_error = err
            handler(err)

        yield from shape(self, report)

    def describe(self) -> dict[str, Any]:
        """Format, path and the options that change which rows come out (no secrets)."""
        options = self.config.model_dump(exclude={"type", "path", "storage_options"}, exclude_defaults=True)
        if self.config.storage_options:
            options["storage_options"] = sorted(self.config.storage_options)  # keys only
        return {"format": self.format, "path": self.path, "options": options}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.path!r})"
