"""Repeated input ids: stop before any row (default), or keep the first of each and report the rest."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hadron.data.sources import SourceConfig, open_source
from hadron.errors import DuplicateIdError, InputError


def ids_file(tmp_path: Path, ids: list[str]) -> str:
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps({"id": i, "prompt": f"p{n}"}) + "\n" for n, i in enumerate(ids)))
    return str(path)


def test_default_stops_before_the_first_row_naming_both_lines_and_the_count(tmp_path: Path) -> None:
    path = ids_file(tmp_path, ["a", "b", "a", "c", "b", "a"])
    rows = open_source(path).rows()
    with pytest.raises(DuplicateIdError) as caught:
        next(rows)  # nothing is handed out: the whole input's ids are read first
    assert str(caught.value) == (f"{path}:3: duplicate id 'a' (first at {path}:1); 3 repeated ids in all "
                                 "(--on-duplicate-id keep-first keeps the first row of each id)")


def test_a_repeat_past_a_bad_line_is_still_found_and_the_stats_are_the_runs(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text('{"id": "a", "prompt": "x"}\nnot json\n{"id": "a", "prompt": "y"}\n')
    source = open_source(str(path))
    with pytest.raises(DuplicateIdError, match=r"in.jsonl:3: duplicate id 'a' \(first at .*in.jsonl:1\)"):
        list(source.rows(on_error=lambda e: None))
    assert source.stats.records == 0  # the id pass does not count as reading the rows


def test_keep_first_reports_each_repeat_and_keeps_the_first(tmp_path: Path) -> None:
    path = ids_file(tmp_path, ["a", "b", "a", "a"])
    source = open_source(SourceConfig(path=path, on_duplicate_id="keep-first"))
    reported: list[InputError] = []
    rows = list(source.rows(on_error=reported.append))
    assert [(row["id"], row["prompt"]) for row in rows] == [("a", "p0"), ("b", "p1")]
    assert [(type(e), e.line, e.first_line) for e in reported if isinstance(e, DuplicateIdError)] == [
        (DuplicateIdError, 3, 1), (DuplicateIdError, 4, 1)]
    assert (source.stats.duplicate_ids, source.stats.errors) == (2, 0)


def test_keep_first_without_a_callback_drops_repeats_quietly(tmp_path: Path) -> None:
    path = ids_file(tmp_path, ["a", "a"])
    rows = list(open_source(SourceConfig(path=path, on_duplicate_id="keep-first")).rows())
    assert [row["prompt"] for row in rows] == ["p0"]


def test_hash_ids_never_collide_and_the_input_is_read_once(tmp_path: Path) -> None:
    path = tmp_path / "p.txt"
    path.write_text("same\nsame\nother\n")
    source = open_source(str(path))
    ids = [row["id"] for row in source.rows()]
    assert len(set(ids)) == 3 and ids[1] == ids[0] + "-1"


def test_limit_counts_only_rows_before_the_limit(tmp_path: Path) -> None:
    path = ids_file(tmp_path, ["a", "b", "a"])
    rows = list(open_source(SourceConfig.model_validate({"path": path, "limit": 2})).rows())
    assert [row["id"] for row in rows] == ["a", "b"]  # the repeat lies past the limit
