"""Parquet, read batch by batch. The schema is checked before any row; errors name the 1-based row."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, TYPE_CHECKING

from hadron.data.sources.base import ErrorHandler, Record, Source
from hadron.data.sources.files import open_binary
from hadron.data.sources.shape import check_columns
from hadron.errors import InputError

if TYPE_CHECKING:
    import pyarrow as pa
    import pyarrow.parquet as pq

BATCH_ROWS = 1024


class ParquetSource(Source):
    format = "parquet"
    suffixes = (".parquet", ".pq")
    checks_columns = True

    def check(self) -> None:
        super().check()
        with open_binary(self.path, self.config.storage_options) as handle:
            parquet = _parquet_file(self.path, handle)
            self._check_schema(parquet.schema_arrow)
            if parquet.metadata.num_rows == 0:
                raise InputError(self.path, "no rows")

    def records(self, report: ErrorHandler) -> Iterator[Record]:
        with open_binary(self.path, self.config.storage_options) as handle:
            parquet = _parquet_file(self.path, handle)
            self._check_schema(parquet.schema_arrow)
            number = 0
            for batch in _batches(self.path, parquet):
                for data in batch.to_pylist():
                    number += 1
                    yield Record(number, data)

    def _check_schema(self, schema: pa.Schema) -> None:
        import pyarrow as pa

        check_columns(self.config, schema.names, self.path)
        kind = schema.field(self.config.prompt_column).type
        if pa.types.is_dictionary(kind):
            kind = kind.value_type
        if not (pa.types.is_string(kind) or pa.types.is_large_string(kind) or _is_string_view(kind)):
            raise InputError(self.path, f"column {self.config.prompt_column!r} has type {kind}, "
                                        "expected string")


def _parquet_file(path: str, handle: IO[bytes]) -> pq.ParquetFile:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        return pq.ParquetFile(handle)
    except (pa.ArrowException, ValueError) as err:
        raise InputError(path, f"not a readable parquet file: {err}") from err


def _batches(path: str, parquet: pq.ParquetFile) -> Iterator[pa.RecordBatch]:
    """The file's record batches; a corrupt page becomes an InputError instead of an Arrow traceback."""
    import pyarrow as pa

    batches, rows_before = parquet.iter_batches(batch_size=BATCH_ROWS), 0
    while True:
        try:
            batch = next(batches)
        except StopIteration:
            return
        except (pa.ArrowException, ValueError) as err:
            raise InputError(path, f"cannot decode parquet after row {rows_before}: {err}") from err
        rows_before += batch.num_rows
        yield batch


def _is_string_view(kind: pa.DataType) -> bool:
    import pyarrow as pa

    check = getattr(pa.types, "is_string_view", None)
    return bool(check and check(kind))
