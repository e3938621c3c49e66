"""Streaming prompt sources: JSONL, Parquet, CSV/TSV, plain text and Hugging Face datasets.

    source = open_source("prompts.jsonl")            # or a SourceConfig
    for row in source.rows(on_error=errors.append):  # {"id": ..., "prompt": ..., ...}
        ...
"""

from __future__ import annotations

from hadron.data.sources.base import ErrorHandler, Record, Source, SourceStats
from hadron.data.sources.config import SourceConfig
from hadron.data.sources.registry import FORMATS


def open_source(config: SourceConfig | str) -> Source:
    """Resolve the format and fail at once on a missing, unreadable or empty input or a wrong schema."""
    if isinstance(config, str):
        config = SourceConfig(path=config)
    source = FORMATS[config.format](config)
    source.check()
    return source


__all__ = ["FORMATS", "ErrorHandler", "Record", "Source", "SourceConfig", "SourceStats", "open_source"]
