"""The two files written next to a run's exports: ``dataset_info.json`` (LLaMA-Factory's registry of
the ShareGPT files) and ``README.md`` (what each file is, which trainer reads it, and which formats were
not written because they had no records, with the reasons)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hadron.data.exports.base import ExportFormat

DATASET_INFO = "dataset_info.json"
README = "README.md"


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one format's export came to."""

    fmt: ExportFormat
    written: int
    skipped: Counter[str]


def dataset_info(outcomes: Sequence[Outcome]) -> dict[str, Any] | None:
    """LLaMA-Factory entries (named ``hadron_<format>``) for the files written; None if there are none."""
    entries = {f"hadron_{o.fmt.name.replace('-', '_')}": {"file_name": o.fmt.filename, **o.fmt.dataset_info}
               for o in outcomes if o.written and o.fmt.dataset_info is not None}
    return entries or None


def readme(outcomes: Sequence[Outcome]) -> str:
    lines = ["# Exports", "",
             "Written by `hadron export` from this run's rows. Formats with no records write no file.", "",
             "| file | records | what it is | read by |", "| --- | ---: | --- | --- |"]
    for o in outcomes:
        if o.written:
            lines.append(f"| `{o.fmt.filename}` | {o.written} | {o.fmt.summary} | {o.fmt.reader or '-'} |")
    missing = [o for o in outcomes if not o.written]
    if missing:
        lines += ["", "Not written (no records):", ""]
        lines += [f"- `{o.fmt.filename}`: {_reasons(o.skipped)}" for o in missing]
    skipped = [o for o in outcomes if o.written and o.skipped]
    if skipped:
        lines += ["", "Left out of written files:", ""]
        lines += [f"- `{o.fmt.filename}`: {_reasons(o.skipped)}" for o in skipped]
    if dataset_info(outcomes):
        lines += ["", f"`{DATASET_INFO}` registers the ShareGPT files for LLaMA-Factory: point its "
                  "`dataset_dir` here and name an entry (`hadron_sft_sharegpt`, ...) as `dataset`."]
    return "\n".join(lines) + "\n"


def _reasons(skipped: Counter[str]) -> str:
    return ", ".join(f"{reason}={count}" for reason, count in sorted(skipped.items())) or "no rows"


def dumps(info: dict[str, Any]) -> str:
    return json.dumps(info, indent=2, ensure_ascii=False) + "\n"
