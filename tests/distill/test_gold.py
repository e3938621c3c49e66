from __future__ import annotations

import json
from pathlib import Path

import pytest

from hadron.distill.gold import GoldRecord, check_label_fields, load_gold
from hadron.errors import ConfigError, InputError


def write(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "gold.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def rec(id_: object, label: object = None, **extra: object) -> str:
    return json.dumps({"id": id_, "input": f"text {id_}", "label": label or {"c": "a"}, **extra})


def test_loads_records_with_any_json_input_and_label(tmp_path: Path) -> None:
    path = write(tmp_path, rec("a"), "", json.dumps({"id": "b", "input": {"x": [1, 2]}, "label": [1, "z"]}))
    records = load_gold(path)
    assert [r.id for r in records] == ["a", "b"]
    assert records[1].input == {"x": [1, 2]} and records[1].label == [1, "z"]
    assert [r.line for r in records] == [1, 3]


def test_ids_with_separators_stay_distinct_and_unchanged(tmp_path: Path) -> None:
    ids = ["ticket:1", "ticket:1:a", "ticket", "ticket/1", " ticket:1", "ticket:1 "]
    records = load_gold(write(tmp_path, *(rec(i) for i in ids)))
    assert [r.id for r in records] == ids


def test_integer_ids_become_strings(tmp_path: Path) -> None:
    assert load_gold(write(tmp_path, rec(7)))[0].id == "7"


def test_invalid_json_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, rec("a"), '{"id": "b", "input": ')
    with pytest.raises(InputError, match=rf"{path}:2: invalid JSON"):
        load_gold(path)


@pytest.mark.parametrize(("line", "message"), [
    ('{"input": "x", "label": 1}', "missing field id"),
    ('{"id": "x"}', "missing fields input, label"),
    ('["not", "an", "object"]', "expected a JSON object, got list"),
    ('{"id": "", "input": "x", "label": 1}', "id: String should have at least 1 character"),
    ('{"id": true, "input": "x", "label": 1}', "id:"),
    ('{"id": "x", "input": "x", "label": 1, "split": "dev"}', "split must be one of"),
])
def test_bad_records_name_file_and_line(tmp_path: Path, line: str, message: str) -> None:
    path = write(tmp_path, rec("ok"), line)
    with pytest.raises(InputError, match=rf"{path}:2: .*{message}") as info:
        load_gold(path)
    assert info.value.line == 2


def test_duplicate_id_names_both_lines(tmp_path: Path) -> None:
    path = write(tmp_path, rec("a:1"), rec("b"), rec("a:1"))
    with pytest.raises(InputError, match=rf"{path}:3: duplicate id 'a:1' \(first seen on line 1\)"):
        load_gold(path)


def test_missing_and_empty_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="gold file not found"):
        load_gold(tmp_path / "nope.jsonl")
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n\n", encoding="utf-8")
    with pytest.raises(InputError, match="gold file is empty"):
        load_gold(empty)


def test_split_tags_are_normalised(tmp_path: Path) -> None:
    records = load_gold(write(tmp_path, rec("a", split="train"), rec("b", split="test"),
                              rec("c", split="HOLDOUT"), rec("d", split=None)))
    assert [r.split for r in records] == ["train", "holdout", "holdout", None]


def test_label_fields_checked_against_gold(tmp_path: Path) -> None:
    path = write(tmp_path, rec("a", {"c": "x", "tags": ["t"]}), rec("b", {"c": "y"}))
    records = load_gold(path)
    check_label_fields(records, path, categorical=["c"], array=["tags"])
    with pytest.raises(ConfigError, match="label field 'urgent' not found in any gold label"):
        check_label_fields(records, path, categorical=["c", "urgent"], array=[])


def test_array_field_must_hold_lists(tmp_path: Path) -> None:
    path = write(tmp_path, rec("a", {"tags": ["t"]}), rec("b", {"tags": "t"}))
    with pytest.raises(InputError, match=rf"{path}:2: label field 'tags' of id 'b' must be a list"):
        check_label_fields(load_gold(path), path, categorical=[], array=["tags"])


def test_non_object_label_with_named_fields(tmp_path: Path) -> None:
    path = write(tmp_path, json.dumps({"id": "a", "input": "x", "label": "spam"}))
    with pytest.raises(InputError, match="label of id 'a' is not an object"):
        check_label_fields(load_gold(path), path, categorical=["c"], array=[])


def test_record_built_in_code_has_no_line() -> None:
    assert GoldRecord(id="x", input="i", label=1).line is None
