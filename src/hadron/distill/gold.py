"""Gold verdicts: JSONL records ``{id, input, label, split?}`` read and checked with ``file:line`` errors.

Ids are opaque strings: never split on ``:`` or any other separator, never normalised, so two records
are the same example only when their ids are identical, and every output carries the original id.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator

from hadron.core.config import describe
from hadron.data.sources.jsonl import decode_line, describe_bad_line
from hadron.errors import ConfigError, InputError

Split = Literal["train", "holdout"]

_SPLIT_NAMES: dict[str, Split] = {"train": "train", "test": "holdout", "holdout": "holdout"}


class GoldRecord(BaseModel):
    """One frozen verdict of the expensive workflow."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str = Field(min_length=1)
    input: Any
    label: Any
    split: Split | None = None
    """``train`` or ``holdout`` when the file tags it (``test`` is read as ``holdout``)."""
    _line: int | None = PrivateAttr(default=None)

    @property
    def line(self) -> int | None:
        """Where the record sits in its file (1-based), for error messages; None when built in code."""
        return self._line

    @field_validator("id", mode="before")
    @classmethod
    def _id_text(cls, value: object) -> object:
        # Integer ids are common in exported data; booleans are not ids.
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        return value

    @field_validator("split", mode="before")
    @classmethod
    def _split_name(cls, value: object) -> object:
        if value is None:
            return None
        if not isinstance(value, str) or value.strip().lower() not in _SPLIT_NAMES:
            raise ValueError(f"split must be one of {', '.join(_SPLIT_NAMES)}, got {value!r}")
        return _SPLIT_NAMES[value.strip().lower()]


def load_gold(path: str | Path) -> list[GoldRecord]:
    """Read a gold JSONL file; blank lines are allowed, anything else malformed stops with file:line."""
    path = Path(path)
    name = str(path)
    if not path.is_file():
        raise InputError(name, "gold file not found")
    records: list[GoldRecord] = []
    first_line: dict[str, int] = {}
    with path.open("rb") as handle:  # bytes, so a bad byte names its line like a prompt source does
        for number, raw in enumerate(handle, start=1):
            try:
                text = decode_line(raw)
            except UnicodeDecodeError as exc:
                raise InputError(name, describe_bad_line(exc), line=number) from None
            if not text.strip():
                continue
            record = _parse_line(name, number, text)
            if record.id in first_line:
                raise InputError(name, f"duplicate id {record.id!r} (first seen on line "
                                 f"{first_line[record.id]})", line=number)
            first_line[record.id] = number
            records.append(record)
    if not records:
        raise InputError(name, "gold file is empty")
    return records


def _parse_line(name: str, number: int, raw: str) -> GoldRecord:
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InputError(name, describe_bad_line(exc), line=number) from None
    if not isinstance(data, dict):
        raise InputError(name, f"expected a JSON object, got {type(data).__name__}", line=number)
    missing = [key for key in ("id", "input", "label") if key not in data]
    if missing:
        raise InputError(name, f"missing field{'s' if len(missing) > 1 else ''} {', '.join(missing)}",
                         line=number)
    try:
        record = GoldRecord.model_validate(data)
    except ValidationError as exc:
        raise InputError(name, describe(exc, data, indices="dots"), line=number) from None
    record._line = number
    return record


def check_label_fields(records: Iterable[GoldRecord], path: str | Path, *, categorical: Iterable[str],
                       array: Iterable[str]) -> None:
    """Fail early when the named label fields do not fit the gold labels.

    Every named field must occur in at least one label (a typo otherwise scores as "both absent", i.e.
    perfect agreement), labels must be objects, and array fields must hold lists.
    """
    categorical, array = tuple(categorical), tuple(array)
    if not categorical and not array:
        return
    name = str(path)
    seen: set[str] = set()
    for record in records:
        if not isinstance(record.label, dict):
            raise InputError(name, f"label of id {record.id!r} is not an object, but fields were named",
                             line=record.line)
        for field in array:
            value = record.label.get(field)
            if value is not None and not isinstance(value, list):
                raise InputError(name, f"label field {field!r} of id {record.id!r} must be a list "
                                 f"(it is named an array field)", line=record.line)
        seen.update(record.label)
    unknown = [field for field in (*categorical, *array) if field not in seen]
    if unknown:
        raise ConfigError(f"label field{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))} "
                          f"not found in any gold label of {name}",
                          hint=f"fields present: {', '.join(sorted(seen)) or 'none'}")
