"""Opening source files through fsspec, with every I/O failure turned into a one-line InputError."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

from hadron.errors import ConfigError, InputError

COMPRESSION_SUFFIXES = (".gz", ".bz2", ".xz", ".zst")
"""Stripped before the format suffix is looked up; fsspec decompresses them on the fly."""


@contextmanager
def open_binary(path: str, storage_options: dict[str, Any]) -> Iterator[IO[bytes]]:
    """Open ``path`` (local or URL) for streaming reads; OSError anywhere inside becomes InputError."""
    import fsspec

    try:
        opened = fsspec.open(path, "rb", compression="infer", **storage_options)
    except ImportError as err:  # e.g. s3:// without s3fs
        raise ConfigError(f"{path}: cannot open this kind of URL: {err}",
                          hint="pip install s3fs (or the fsspec backend it names)") from err
    try:
        with opened as handle:
            yield handle
    except (OSError, EOFError) as err:  # EOFError: a truncated compressed stream
        raise InputError(path, f"cannot read: {_describe(err)}") from err


def require_readable(path: str, storage_options: dict[str, Any]) -> None:
    """Fail at once on a missing, unreadable or empty file (reads at most one byte)."""
    with open_binary(path, storage_options) as handle:
        first = handle.read(1)
    if not first:
        raise InputError(path, "file is empty")


def _describe(err: OSError | EOFError) -> str:
    if isinstance(err, FileNotFoundError):
        return "no such file"
    if isinstance(err, IsADirectoryError):
        return "is a directory"
    if isinstance(err, PermissionError):
        return "permission denied"
    return getattr(err, "strerror", None) or str(err) or type(err).__name__
