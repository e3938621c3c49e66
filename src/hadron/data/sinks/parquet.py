"""Sharded Parquet: a shard's journal is read once (one shard in memory) and written with pyarrow."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, ClassVar

from hadron.data.sinks.base import ShardInfo, ShardSink, column_types


class ParquetSink(ShardSink):
    format: ClassVar[str] = "parquet"
    suffix: ClassVar[str] = ".parquet"

    def encode(self, rows_path: Path, index: int) -> tuple[Path, ShardInfo]:
        import pyarrow.parquet as pq

        count, columns = column_types(rows_path)
        with open(rows_path, "rb") as handle:
            rows = [json.loads(line) for line in handle]
        table, json_columns = to_table(rows, list(columns))
        out = rows_path.with_name(f".{self.shard_name(index)}.tmp")
        pq.write_table(table, out)
        return out, ShardInfo(name=self.shard_name(index), rows=count, bytes=out.stat().st_size,
                              columns=columns, json_columns=json_columns)

    def read(self, info: ShardInfo) -> Iterator[dict[str, Any]]:
        with self.fs.open(f"{self.root.rstrip('/')}/{info.name}", "rb") as handle:
            yield from iter_parquet_rows(handle, info.json_columns)


def iter_parquet_rows(source: Any, json_columns: Iterable[str] = ()) -> Iterator[dict[str, Any]]:
    """Rows of a Parquet shard (a path or an open binary file) as pyarrow gives them back, with the
    columns ``to_table`` stored as JSON text decoded. A struct column holds every key seen in the shard,
    so an object read back has ``None`` for keys its row did not have."""
    import pyarrow.parquet as pq

    decode = tuple(json_columns)
    for batch in pq.ParquetFile(source).iter_batches(batch_size=1024):
        for row in batch.to_pylist():
            for name in decode:
                if row.get(name) is not None:
                    row[name] = json.loads(row[name])
            yield row


def to_table(rows: list[dict[str, Any]], names: list[str]) -> tuple[Any, list[str]]:
    """Columns in first-seen order; a column pyarrow cannot type (mixed types) is stored as JSON text."""
    import pyarrow as pa

    arrays, as_json = [], []
    for name in names:
        values = [row.get(name) for row in rows]
        try:
            array = pa.array(values)
            if _has_empty_struct(array.type):
                raise pa.ArrowInvalid("empty struct")
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
            array = pa.array([None if v is None else json.dumps(v, ensure_ascii=False) for v in values],
                             pa.string())
            as_json.append(name)
        arrays.append(array)
    return pa.table(dict(zip(names, arrays, strict=True))), as_json


def _has_empty_struct(kind: Any) -> bool:
    import pyarrow as pa

    if pa.types.is_struct(kind):
        return kind.num_fields == 0 or any(_has_empty_struct(kind.field(i).type)
                                           for i in range(kind.num_fields))
    if pa.types.is_list(kind) or pa.types.is_large_list(kind):
        return _has_empty_struct(kind.value_type)
    return False
