"""Format name → export format. A new format is one module and one line here."""

from __future__ import annotations

from collections.abc import Iterable

from hadron.data.exports import native, openai, sharegpt, trl
from hadron.data.exports.base import ExportFormat
from hadron.errors import ConfigError

FORMATS: dict[str, ExportFormat] = {
    fmt.name: fmt
    for fmt in (trl.SFT, openai.SFT, sharegpt.SFT, trl.DPO, openai.DPO, sharegpt.DPO, native.COT,
                native.CRITIC, trl.CRITIC, openai.CRITIC, sharegpt.CRITIC)
}

ALL = "all"


def resolve_formats(names: str | Iterable[str]) -> list[ExportFormat]:
    """Names (repeated or comma-separated, ``all`` for every one) → formats, in order, without repeats."""
    wanted = [names] if isinstance(names, str) else list(names)
    chosen: dict[str, ExportFormat] = {}
    for name in (part.strip() for item in wanted for part in item.split(",")):
        if not name:
            continue
        if name == ALL:
            chosen.update(FORMATS)
        elif name in FORMATS:
            chosen[name] = FORMATS[name]
        else:
            raise ConfigError(f"unknown export format {name!r}",
                              hint=f"choose from {', '.join([*FORMATS, ALL])}")
    if not chosen:
        raise ConfigError("no export format given", hint=f"choose from {', '.join([*FORMATS, ALL])}")
    return list(chosen.values())
