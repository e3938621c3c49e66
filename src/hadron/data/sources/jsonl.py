"""JSON Lines (optionally compressed): one object per line, read as bytes so bad UTF-8 names its line."""

from __future__ import annotations

import json
from collections.abc import Iterator

from hadron.data.sources.base import ErrorHandler, Record, Source
from hadron.data.sources.files import open_binary
from hadron.errors import InputError


class JsonlSource(Source):
    format = "jsonl"
    suffixes = (".jsonl", ".json", ".ndjson")

    def records(self, report: ErrorHandler) -> Iterator[Record]:
        with open_binary(self.path, self.config.storage_options) as handle:
            for number, raw in enumerate(handle, start=1):
                if not raw.strip():
                    continue
                try:
                    data = json.loads(decode_line(raw))
                except ValueError as err:  # UnicodeDecodeError and JSONDecodeError are both ValueErrors
                    report(InputError(self.path, describe_bad_line(err), line=number))
                    continue
                if not isinstance(data, dict):
                    report(InputError(self.path, f"expected a JSON object, got {type(data).__name__}",
                                      line=number))
                    continue
                yield Record(number, data)


def decode_line(raw: bytes) -> str:
    """Strict UTF-8, without a BOM (first line) and the line ending, so a JSON error's column is on it."""
    return raw.decode("utf-8").lstrip("\ufeff").rstrip("\r\n")


def describe_bad_line(err: ValueError) -> str:
    if isinstance(err, UnicodeDecodeError):
        return f"not UTF-8 (byte 0x{err.object[err.start]:02x} at column {err.start + 1})"
    if isinstance(err, json.JSONDecodeError):
        message = err.msg.removesuffix(" at")  # "Invalid control character at": "at column" follows
        return f"invalid JSON: {message} at column {err.colno}"
    return f"invalid JSON: {err}"
