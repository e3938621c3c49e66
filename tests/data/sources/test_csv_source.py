"""CSV/TSV: header checked at open, errors name the line a record starts on."""

from __future__ import annotations

from pathlib import Path

import pytest

from hadron.data.sources import SourceConfig, open_source
from hadron.errors import InputError


def test_csv_rows_with_quoted_multiline_field(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text('prompt,topic\n"line one\nline two",poems\nplain,math\n', encoding="utf-8")
    rows = list(open_source(str(path)).rows())
    assert [(row["prompt"], row["topic"]) for row in rows] == [
        ("line one\nline two", "poems"), ("plain", "math")]


def test_tsv_uses_tabs(tmp_path: Path) -> None:
    path = tmp_path / "p.tsv"
    path.write_text("q\tn\nwhat, exactly?\t1\n", encoding="utf-8")
    (row,) = open_source(SourceConfig(path=str(path), prompt_column="q", id_column="n")).rows()
    assert row == {"id": "1", "prompt": "what, exactly?"}


def test_unknown_column_fails_at_open_naming_the_key(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("question\nhi\n")
    with pytest.raises(InputError, match=r"p\.csv:1: unknown column 'prompt' \(columns: question\)"):
        open_source(str(path))


def test_header_only_is_empty_input(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("prompt\n\n")
    with pytest.raises(InputError, match="no rows"):
        open_source(str(path))


def test_bad_records_report_their_start_line(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_bytes(b'prompt,topic\n"multi\nline",a\nonly-one-field\ncaf\xe9,b\n,c\ngood,d\n')
    errors: list[InputError] = []
    rows = list(open_source(str(path)).rows(on_error=errors.append))
    assert [row["prompt"] for row in rows] == ["multi\nline", "good"]
    assert [(err.line, err.reason) for err in errors] == [
        (4, "expected 2 fields, got 1"),
        (5, "not UTF-8 (field 1)"),
        (6, "empty prompt in column 'prompt'"),
    ]
