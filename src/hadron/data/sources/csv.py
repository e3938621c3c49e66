"""CSV and TSV with a header row. Errors name the line the record starts on (the header is line 1)."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from typing import IO

from hadron.data.sources.base import ErrorHandler, Record, Source
from hadron.data.sources.files import COMPRESSION_SUFFIXES, open_binary
from hadron.data.sources.shape import check_columns
from hadron.errors import InputError


class CsvSource(Source):
    format = "csv"
    suffixes = (".csv", ".tsv")
    checks_columns = True

    @property
    def delimiter(self) -> str:
        path = self.path.lower()
        for compression in COMPRESSION_SUFFIXES:
            path = path.removesuffix(compression)
        return "\t" if path.endswith(".tsv") else ","

    def check(self) -> None:
        super().check()
        with open_binary(self.path, self.config.storage_options) as handle:
            reader = csv.reader(_lines(handle), delimiter=self.delimiter)
            check_columns(self.config, self._header(reader), self.path, line=1)
            if not _has_record(reader):
                raise InputError(self.path, "no rows (only a header)")

    def records(self, report: ErrorHandler) -> Iterator[Record]:
        with open_binary(self.path, self.config.storage_options) as handle:
            reader = csv.reader(_lines(handle), delimiter=self.delimiter)
            header = self._header(reader)
            check_columns(self.config, header, self.path, line=1)
            while True:
                start = reader.line_num + 1
                try:
                    fields = next(reader)
                except StopIteration:
                    return
                except csv.Error as err:
                    report(InputError(self.path, f"bad CSV: {err}", line=start))
                    continue
                if not fields:  # blank line
                    continue
                problem = _field_problem(fields, len(header))
                if problem:
                    report(InputError(self.path, problem, line=start))
                    continue
                yield Record(start, dict(zip(header, fields, strict=True)))

    def _header(self, reader: Iterator[list[str]]) -> list[str]:
        try:
            header = next(reader)
        except (StopIteration, csv.Error) as err:
            raise InputError(self.path, "no header row", line=1) from err
        if not header or not all(_is_utf8(name) for name in header):
            raise InputError(self.path, "bad header row (empty or not UTF-8)", line=1)
        header[0] = header[0].lstrip("\ufeff")
        return header


def _has_record(reader: Iterator[list[str]]) -> bool:
    try:
        return any(reader)  # a blank line reads as []
    except csv.Error:
        return True  # a malformed record is still a record; ``records`` reports it with its line


def _lines(handle: IO[bytes]) -> Iterable[str]:
    """Decode line by line; bad bytes survive as surrogates so the record that holds them is reported."""
    return (raw.decode("utf-8", "surrogateescape") for raw in handle)


def _field_problem(fields: list[str], expected: int) -> str | None:
    if len(fields) != expected:
        return f"expected {expected} fields, got {len(fields)}"
    for index, value in enumerate(fields):
        if not _is_utf8(value):
            return f"not UTF-8 (field {index + 1})"
    return None


def _is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
