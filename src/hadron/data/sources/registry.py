"""Format name -> Source class. Adding a format: one file and one line in ``FORMATS``."""

from __future__ import annotations

from typing import Literal, cast

from hadron.data.sources.base import Source
from hadron.data.sources.csv import CsvSource
from hadron.data.sources.files import COMPRESSION_SUFFIXES
from hadron.data.sources.hf import HfSource
from hadron.data.sources.jsonl import JsonlSource
from hadron.data.sources.parquet import ParquetSource
from hadron.data.sources.text import TextSource
from hadron.errors import ConfigError

FormatName = Literal["jsonl", "parquet", "csv", "text", "hf"]
"""The names in ``FORMATS`` (a ``SourceConfig``'s ``type``)."""

FORMATS: dict[str, type[Source]] = {
    cls.format: cls for cls in (JsonlSource, ParquetSource, CsvSource, TextSource, HfSource)
}


def format_for_path(path: str) -> FormatName:
    """The format whose suffix ``path`` ends with (compression suffixes such as ``.gz`` ignored)."""
    name = path.lower().split("?", 1)[0]
    for compression in COMPRESSION_SUFFIXES:
        name = name.removesuffix(compression)
    for fmt, cls in FORMATS.items():
        if name.endswith(cls.suffixes):
            return cast(FormatName, fmt)
    known = ", ".join(suffix for cls in FORMATS.values() for suffix in cls.suffixes)
    raise ConfigError(f"{path}: cannot tell the source format from the suffix (known: {known})",
                      hint=f"set type: one of {', '.join(FORMATS)}")
