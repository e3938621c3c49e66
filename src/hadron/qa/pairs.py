"""Line up two datasets on the same prompts for a blind comparison.

Each side is a JSONL/Parquet file or a run directory. Rows join by ``id`` when both sides have ids for
every row and share at least one; otherwise by prompt text (whitespace-normalized). Rows on one side
only are counted, not compared.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from hadron.errors import InputError
from hadron.qa import fields as rf
from hadron.qa.rundir import RunDir, iter_records

Row = dict[str, Any]


@dataclass(frozen=True, slots=True)
class FieldNames:
    """Column overrides; None means look the usual names up (see ``hadron.qa.fields``)."""

    text: str | None = None
    prompt: str | None = None
    category: str | None = None
    reference: str | None = None


@dataclass(slots=True)
class Pair:
    key: str
    prompt: str
    text_a: str
    text_b: str
    id_a: str | None = None
    id_b: str | None = None
    category: str | None = None
    reference: str | None = None


@dataclass(slots=True)
class Joined:
    pairs: list[Pair]
    key: Literal["id", "prompt"]
    rows_a: int
    rows_b: int
    unmatched_a: int
    unmatched_b: int
    missing_text: dict[str, int] = field(default_factory=dict)


def side_label(path: Path) -> str:
    return path.name if path.is_dir() else path.stem


def iter_side(path: str | Path) -> Iterator[Row]:
    """Rows of one side: a run directory's shards or one data file."""
    source = Path(path)
    if source.is_dir():
        run = RunDir.open(source)
        if not run.data_files():
            raise InputError(str(source), "run directory has no data/*.jsonl or data/*.parquet")
        yield from run.iter_rows()
    elif source.is_file():
        yield from iter_records(source)
    else:
        raise InputError(str(source), "no such file or directory")


def load_side(path: str | Path, names: FieldNames = FieldNames()) -> list[Row]:
    """One side's rows cut down to what a comparison needs (traces are dropped as rows stream by)."""
    slim: list[Row] = []
    for row in iter_side(path):
        slim.append({"id": row.get("id"), "prompt": rf.prompt_of(row, names.prompt),
                     "generation": rf.text_of(row, names.text),
                     "category": rf.category_of(row, names.category),
                     "reference": rf.reference_of(row, names.reference)})
    if not slim:
        raise InputError(str(path), "no rows to compare")
    return slim


def _norm(text: str) -> str:
    return " ".join(text.split())


def join_sides(rows_a: list[Row], rows_b: list[Row], names: FieldNames = FieldNames(),
               *, label_a: str = "A", label_b: str = "B") -> Joined:
    """Pair rows of A and B on ``id``, else on prompt text; the first row wins for a repeated key."""
    ids_a = [r.get("id") for r in rows_a]
    ids_b = [r.get("id") for r in rows_b]
    by_id = (all(isinstance(i, str | int) for i in ids_a + ids_b)
             and bool({str(i) for i in ids_a} & {str(i) for i in ids_b}))

    def key_of(row: Row) -> str | None:
        if by_id:
            return str(row["id"])
        prompt = rf.prompt_of(row, names.prompt)
        return _norm(prompt) if prompt else None

    index_b: dict[str, Row] = {}
    for row in rows_b:
        key = key_of(row)
        if key is not None:
            index_b.setdefault(key, row)
    pairs: list[Pair] = []
    seen: set[str] = set()
    missing = {label_a: 0, label_b: 0}
    for row in rows_a:
        key = key_of(row)
        if key is None or key in seen or key not in index_b:
            continue
        seen.add(key)
        other = index_b[key]
        text_a, text_b = rf.text_of(row, names.text), rf.text_of(other, names.text)
        missing[label_a] += text_a is None
        missing[label_b] += text_b is None
        pairs.append(Pair(
            key=key, prompt=rf.prompt_of(row, names.prompt) or rf.prompt_of(other, names.prompt) or "",
            text_a=text_a or "", text_b=text_b or "",
            id_a=None if row.get("id") is None else str(row["id"]),
            id_b=None if other.get("id") is None else str(other["id"]),
            category=rf.category_of(row, names.category) or rf.category_of(other, names.category),
            reference=rf.reference_of(row, names.reference) or rf.reference_of(other, names.reference)))
    return Joined(pairs=pairs, key="id" if by_id else "prompt", rows_a=len(rows_a), rows_b=len(rows_b),
                  unmatched_a=len(rows_a) - len(pairs), unmatched_b=len(rows_b) - len(pairs),
                  missing_text=missing)
