"""From raw records to rows: rename, check, keep or make ids, refuse repeated ids, dedup, head, sample.

Memory stays flat whatever the input size, except for one hash per distinct prompt (ids, dedup) or per
id (duplicate-id check), kept in a compact ``U64Table`` (~15-40 bytes each), and the ``sample`` rows the
reservoir holds.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from hadron.core import Row, stable_hash
from hadron.core.conversation import ConversationError, check_turns, transcript
from hadron.data.sources.hashtable import U64Table
from hadron.errors import DuplicateIdError, InputError

if TYPE_CHECKING:
    from hadron.data.sources.base import ErrorHandler, Source
    from hadron.data.sources.config import SourceConfig


def shape(source: Source, report: ErrorHandler) -> Iterator[Row]:
    """The shared row loop behind ``Source.rows``.

    With ``on_duplicate_id: error`` a first pass reads the ids (and only counts) before any row is
    handed out, so a repeated id stops the run before its first model call.
    """
    config, stats = source.config, source.stats
    if config.on_duplicate_id == "error":
        require_unique_ids(source)
    rows = _valid_rows(source, report)
    if config.sample is not None:
        rows = iter(reservoir(rows, config.sample, config.seed))
    yield from rows
    if stats.rows == 0:
        raise no_rows(source)


def no_rows(source: Source) -> InputError:
    """"No rows" naming the first skipped record and its reason, and how many more were skipped."""
    first, stats = source.stats.first_error, source.stats
    if first is None:
        return InputError(source.path, "no rows")
    return InputError(first.path, f"{first.reason}; {stats.errors - 1} more skipped, no rows left",
                      line=first.line)


def require_unique_ids(source: Source) -> None:
    """Read every usable row's id once; raise ``DuplicateIdError`` naming the first repeat and the count.

    Ids that are hashes of the prompt are unique by construction, so a hash-id input is not read twice.
    """
    ids, kept = IdMaker(source.path, None), source.stats
    try:
        for _ in _valid_rows(source, _ignore, ids=ids, ids_only=True):
            pass
    finally:
        source.stats = kept
    if ids.first_repeat is not None:
        row_id, first_line, line = ids.first_repeat
        raise DuplicateIdError(source.path, row_id, line=line, first_line=first_line, count=ids.repeated,
                               hint="--on-duplicate-id keep-first keeps the first row of each id")


def _ignore(err: InputError) -> None:
    """The id pass skips malformed records silently: the run proper reports them."""


def _valid_rows(source: Source, report: ErrorHandler, *, ids: IdMaker | None = None,
                ids_only: bool = False) -> Iterator[Row]:
    config, path = source.config, source.path
    stats = source.stats = type(source.stats)() if ids_only else source.stats
    ids = ids or IdMaker(path, None)
    mapping: dict[str, str] = {}
    seen_prompts = U64Table()  # dedup: hashes of whitespace-normalised prompts
    records = source.records(report)
    try:
        for record in records:
            stats.records += 1
            if stats.records == 1:
                if not source.checks_columns:
                    check_columns(config, record.data.keys(), path, line=record.line)
                ids.id_column = id_column_of(config, record.data.keys())
                if ids_only and ids.id_column is None:
                    return
                mapping = column_map(config, ids.id_column)
            row = {mapping.get(key, key): value for key, value in record.data.items()}
            problem = ask_problem(row, config.prompt_column)
            row_id, id_problem = ids.parse(row)
            if problem or id_problem:
                report(InputError(path, problem or id_problem or "", line=record.line))
                continue
            if config.dedup:
                key = stable_hash(" ".join(prompt_text(row).split()))
                if key in seen_prompts:
                    stats.duplicates += 1
                    continue
                seen_prompts.add(key)
            row_id, repeat = ids.claim(row_id, prompt_text(row), record.line)
            if repeat is not None:
                report(repeat)
                continue
            row.pop("id", None)
            stats.rows += 1
            yield {"id": row_id, **row}
            if config.head is not None and stats.rows >= config.head:
                break
    finally:
        close = getattr(records, "close", None)
        if close is not None:
            close()  # release the file now, not when the generator is collected


def id_column_of(config: SourceConfig, names: Iterable[str]) -> str | None:
    """The column ids come from: the configured one, else ``id`` when the input has it, else none
    (hash ids)."""
    if config.id_column is not None:
        return config.id_column
    return "id" if "id" in names else None


def column_map(config: SourceConfig, id_column: str | None = None) -> dict[str, str]:
    """Source column -> row key.

    A source column named like a key we fill from elsewhere (``id`` when ids come from another column or
    are hashes, ``prompt`` when ``prompt_column`` is another column) is kept as ``source_<name>`` rather
    than overwritten.
    """
    mapping = dict(config.columns)
    mapping[config.prompt_column] = "prompt"
    if config.system_column is not None:
        mapping[config.system_column] = "system"
    if id_column is not None:
        mapping[id_column] = "id"
    for taken in {*mapping.values(), "id"}:
        mapping.setdefault(taken, f"source_{taken}")
    return mapping


def check_columns(config: SourceConfig, names: Iterable[str], path: str, *, line: int | None = None) -> None:
    """Every column the config names must exist; the error lists the ones that do."""
    available = list(names)
    named = (config.prompt_column, config.id_column, config.system_column)
    wanted = [*(column for column in named if column is not None), *config.columns]
    for column in wanted:
        if column == config.prompt_column and MESSAGES in available:
            continue  # a conversation column stands for the prompt
        if column not in available:
            shown = ", ".join(available) or "none"
            raise InputError(path, f"unknown column {column!r} (columns: {shown})", line=line)


MESSAGES = "messages"
"""A row may carry a conversation (OpenAI shape) in this column instead of a prompt."""


def ask_problem(row: Row, column: str) -> str | None:
    """What is wrong with the row's prompt, or with its ``messages`` when it has no prompt."""
    if row.get("prompt") is None and row.get(MESSAGES) is not None:
        try:
            check_turns(row[MESSAGES], MESSAGES)
        except ConversationError as err:
            return str(err)
        return None
    return prompt_problem(row.get("prompt"), column)


def prompt_text(row: Row) -> str:
    """The text ids and dedup hash: the prompt, or the conversation's transcript."""
    prompt = row.get("prompt")
    return prompt if isinstance(prompt, str) else transcript(check_turns(row[MESSAGES], MESSAGES))


def prompt_problem(prompt: Any, column: str) -> str | None:
    if prompt is None:
        return f"missing or null column {column!r}"
    if not isinstance(prompt, str):
        return f"column {column!r} is {type(prompt).__name__}, expected a string"
    if not prompt.strip():
        return f"empty prompt in column {column!r}"
    return None


class IdMaker:
    """Stable, unique string ids: the id column's value, or a hash of the prompt (+ ``-N`` for repeats).

    ``id_column`` is settled by the first record (``id_column_of``)."""

    def __init__(self, path: str, id_column: str | None) -> None:
        self.path = path
        self.id_column = id_column
        self.first_line = U64Table()  # id-column mode: hash of id -> line first seen
        self.repeats = U64Table()  # hash mode: prompt hash -> repeats so far (0 = seen once)
        self.repeated = 0  # id-column mode: rows whose id an earlier row already had
        self.first_repeat: tuple[str, int, int] | None = None  # (id, first line, repeat's line)

    def parse(self, row: Row) -> tuple[str | None, str | None]:
        """(id, problem): the id column's value as a string, or (None, None) in hash mode."""
        if self.id_column is None:
            return None, None
        value = row.get("id")
        if isinstance(value, bool) or not isinstance(value, str | int):
            kind = "missing" if value is None else type(value).__name__
            return None, f"column {self.id_column!r} is {kind}, expected a string or integer id"
        text = str(value)
        if not text.strip():
            return None, f"empty id in column {self.id_column!r}"
        return text, None

    def claim(self, row_id: str | None, prompt: str, line: int) -> tuple[str, DuplicateIdError | None]:
        """(id, repeat): registers the id; a repeated id-column value comes back as the error to report."""
        if row_id is not None:
            key = stable_hash(row_id)
            first = self.first_line.setdefault(key, line)
            if first != line:
                self.repeated += 1
                if self.first_repeat is None:
                    self.first_repeat = (row_id, first, line)
                return row_id, DuplicateIdError(self.path, row_id, line=line, first_line=first)
            return row_id, None
        key = stable_hash(prompt)
        count = self.repeats.get(key)
        self.repeats.set(key, 0 if count is None else count + 1)
        suffix = "" if count is None else f"-{count + 1}"
        return f"{key:016x}{suffix}", None


def reservoir(rows: Iterable[Row], k: int, seed: int) -> list[Row]:
    """A uniform seeded sample of ``k`` rows (algorithm R), returned in source order."""
    rng = random.Random(seed)
    kept: list[tuple[int, Row]] = []
    for index, row in enumerate(rows):
        if index < k:
            kept.append((index, row))
        else:
            slot = rng.randrange(index + 1)
            if slot < k:
                kept[slot] = (index, row)
    kept.sort(key=lambda pair: pair[0])
    return [row for _, row in kept]
