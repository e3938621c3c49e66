"""JSONL: streaming rows, malformed lines reported as file:line and skipped, bad bytes, bad columns."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from hadron.data.sources import SourceConfig, open_source
from hadron.errors import InputError


def write_jsonl(path: Path, rows: list[Any]) -> str:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return str(path)


def test_rows_keep_columns_and_get_stable_hash_ids(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "p.jsonl", [{"prompt": "a", "topic": "x"}, {"prompt": "b"}])
    first = list(open_source(path).rows())
    again = list(open_source(path).rows())
    assert [row["prompt"] for row in first] == ["a", "b"]
    assert first[0]["topic"] == "x"
    assert first == again
    assert all(isinstance(row["id"], str) and len(row["id"]) == 16 for row in first)


def test_repeated_prompts_get_suffixed_ids(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "p.jsonl", [{"prompt": "same"}, {"prompt": "same"}, {"prompt": "same"}])
    ids = [row["id"] for row in open_source(path).rows()]
    assert ids[1] == f"{ids[0]}-1" and ids[2] == f"{ids[0]}-2"


def test_malformed_line_is_reported_as_file_line_and_skipped(tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    path.write_text('{"prompt": "one"}\n{"prompt": "two"\n\n[1, 2]\n{"prompt": "three"}\n')
    errors: list[InputError] = []
    rows = list(open_source(str(path)).rows(on_error=errors.append))
    assert [row["prompt"] for row in rows] == ["one", "three"]
    assert [err.line for err in errors] == [2, 4]
    assert str(errors[0]).startswith(f"{path}:2: invalid JSON")
    assert "expected a JSON object, got list" in str(errors[1])


def test_malformed_line_raises_without_callback(tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    path.write_text('{"prompt": "one"}\nnot json\n')
    with pytest.raises(InputError, match=r"p\.jsonl:2: invalid JSON"):
        list(open_source(str(path)).rows())


def test_non_utf8_bytes_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    path.write_bytes(b'{"prompt": "ok"}\n{"prompt": "caf\xe9"}\n')
    errors: list[InputError] = []
    rows = list(open_source(str(path)).rows(on_error=errors.append))
    assert len(rows) == 1
    assert errors[0].line == 2 and "not UTF-8 (byte 0xe9" in str(errors[0])


@pytest.mark.parametrize(("record", "message"), [
    ({"prompt": 7}, "column 'prompt' is int, expected a string"),
    ({"prompt": "   "}, "empty prompt"),
    ({"prompt": None}, "missing or null column 'prompt'"),
    ({"other": "x"}, "missing or null column 'prompt'"),
])
def test_bad_records_after_the_first_are_skipped_with_a_reason(tmp_path: Path, record: dict[str, Any],
                                                               message: str) -> None:
    path = write_jsonl(tmp_path / "p.jsonl", [{"prompt": "fine"}, record])
    errors: list[InputError] = []
    assert len(list(open_source(path).rows(on_error=errors.append))) == 1
    assert errors[0].line == 2 and message in str(errors[0])


def test_unknown_prompt_column_names_the_key(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "p.jsonl", [{"question": "a"}])
    with pytest.raises(InputError) as err:
        list(open_source(path).rows(on_error=lambda e: None))
    assert "unknown column 'prompt' (columns: question)" in str(err.value)
    assert ":1:" in str(err.value)


def test_column_mapping_and_id_column(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "p.jsonl", [{"key": 5, "question": "a", "src": "wiki"},
                                             {"key": "k2", "question": "b", "src": "web"}])
    config = SourceConfig(path=path, prompt_column="question", id_column="key", columns={"src": "origin"})
    rows = list(open_source(config).rows())
    assert rows == [
        {"id": "5", "prompt": "a", "origin": "wiki"}, {"id": "k2", "prompt": "b", "origin": "web"}]


def test_the_inputs_id_column_is_the_row_id(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "p.jsonl", [{"id": "mine", "prompt": "x"}, {"id": 7, "prompt": "y"}])
    assert [row["id"] for row in open_source(path).rows()] == ["mine", "7"]


def test_an_id_column_elsewhere_keeps_the_inputs_id_under_another_name(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "p.jsonl", [{"uid": "u1", "id": "other", "prompt": "x"}])
    (row,) = open_source(SourceConfig(path=path, id_column="uid")).rows()
    assert row == {"id": "u1", "source_id": "other", "prompt": "x"}


def test_a_missing_id_in_an_input_with_ids_is_a_bad_line(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "p.jsonl", [{"id": "a", "prompt": "x"}, {"prompt": "y"}])
    errors: list[InputError] = []
    assert [row["id"] for row in open_source(path).rows(on_error=errors.append)] == ["a"]
    assert str(errors[0]).endswith("p.jsonl:2: column 'id' is missing, expected a string or integer id")


def test_only_bad_lines_names_the_first_and_counts_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_bytes(b'{"prompt": "caf\xe9 au lait, s\'il vous pla\xeet"}\n[1, 2]\n{"prompt": null}\n')
    with pytest.raises(InputError) as caught:
        list(open_source(str(path)).rows(on_error=lambda e: None))
    assert str(caught.value) == (f"{path}:1: not UTF-8 (byte 0xe9 at column 16); 2 more skipped, "
                                 "no rows left")


def test_gzip_is_read_transparently(tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl.gz"
    path.write_bytes(gzip.compress(b'{"prompt": "zipped"}\n'))
    assert [row["prompt"] for row in open_source(str(path)).rows()] == ["zipped"]


def test_stats_count_records_rows_and_errors(tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl"
    path.write_text('{"prompt": "a"}\nbad\n{"prompt": "a"}\n')
    source = open_source(SourceConfig(path=str(path), dedup=True))
    list(source.rows(on_error=lambda e: None))
    stats = source.stats
    assert (stats.records, stats.rows, stats.errors, stats.duplicates) == (2, 1, 1, 1)


def test_prompt_column_rename_keeps_a_clashing_source_column(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "p.jsonl", [{"question": "q", "prompt": "template"}])
    (row,) = open_source(SourceConfig(path=path, prompt_column="question")).rows()
    assert (row["prompt"], row["source_prompt"]) == ("q", "template")


def test_truncated_gzip_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "p.jsonl.gz"
    path.write_bytes(gzip.compress(b'{"prompt": "zipped"}\n' * 1000)[:-30])
    with pytest.raises(InputError, match="cannot read"):
        list(open_source(str(path)).rows())


def test_a_truncated_line_names_the_column_where_it_stops(tmp_path: Path) -> None:
    """Before, the line's own newline was parsed too: the error pointed at "column 1" (of the next line)."""
    path = tmp_path / "cut.jsonl"
    path.write_text('{"id": "a", "prompt": "hi"\n')
    with pytest.raises(InputError) as caught:
        list(open_source(str(path)).rows())
    assert str(caught.value) == f"{path}:1: invalid JSON: Expecting ',' delimiter at column 27"
