from __future__ import annotations

import json
from pathlib import Path

import pytest

from hadron.errors import InputError
from hadron.qa.pairs import FieldNames, join_sides, load_side

FIXTURES = Path(__file__).parent / "fixtures"


def test_join_by_id_across_a_run_dir_and_a_file() -> None:
    joined = join_sides(load_side(FIXTURES / "autoreason_run"), load_side(FIXTURES / "single_shot.jsonl"))
    assert joined.key == "id" and len(joined.pairs) == 6
    assert joined.unmatched_a == joined.unmatched_b == 0
    pair = joined.pairs[0]
    assert pair.id_a == pair.id_b == "p000" and pair.category == "science"
    assert pair.text_a != "" and pair.text_b.startswith("Draft answer 0")


def test_join_by_prompt_when_ids_do_not_line_up() -> None:
    a = [{"id": "1", "prompt": "What  is 2+2?", "generation": "4"},
         {"id": "2", "prompt": "Only A", "generation": "x"}]
    b = [{"prompt": "What is 2+2?", "response": "four"}, {"prompt": "Only B", "response": "y"}]
    joined = join_sides(a, b)
    assert joined.key == "prompt"
    assert [(p.text_a, p.text_b) for p in joined.pairs] == [("4", "four")]
    assert (joined.unmatched_a, joined.unmatched_b) == (1, 1)


def test_field_overrides_and_references(tmp_path: Path) -> None:
    path = tmp_path / "side.jsonl"
    path.write_text(json.dumps({"id": "q1", "q": "2+2?", "out": "4", "gold_num": 4, "topic": "math"}) + "\n",
                    encoding="utf-8")
    names = FieldNames(text="out", prompt="q", category="topic", reference="gold_num")
    rows = load_side(path, names)
    assert rows == [{"id": "q1", "prompt": "2+2?", "generation": "4", "category": "math", "reference": "4"}]


def test_missing_side(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        load_side(tmp_path / "nope.jsonl")
    (tmp_path / "empty.jsonl").write_text("", encoding="utf-8")
    with pytest.raises(InputError, match="no rows"):
        load_side(tmp_path / "empty.jsonl")
