from __future__ import annotations

import pytest

from hadron.tasks.autoreason.ballot import (
    ballot_schema,
    labels,
    map_back,
    parse_ballot,
    parse_order,
    ranking_strings,
    text_before_ranking,
)

L3 = labels(3)


@pytest.mark.parametrize("text, order", [
    ("I like X2.\nRANKING: X2, X1, X3", ("X2", "X1", "X3")),
    ("ranking: x3 > x1 > x2", ("X3", "X1", "X2")),
    ("**RANKING:** [X1] > [X3] > [X2]", ("X1", "X3", "X2")),
    ("RANKING: Version X2, Version X3, Version X1", ("X2", "X3", "X1")),
    ("RANKING:\n\nX3, X2, X1", ("X3", "X2", "X1")),
    ("Final Ranking: X-2, X 1, X3.", ("X2", "X1", "X3")),
    ("RANKING: 3, 1, 2", ("X3", "X1", "X2")),
    ("RANKING: X1, X2, X3\nOn reflection:\nRANKING: X3, X2, X1", ("X3", "X2", "X1")),
])
def test_parses_the_last_ranking_line_leniently(text: str, order: tuple[str, ...]) -> None:
    assert parse_ballot(text, L3).order == order


@pytest.mark.parametrize("text", [
    "X2 is best, then X1, then X3.",          # no RANKING line
    "RANKING: X2, X1",                       # partial
    "RANKING: X2, X2, X1",                   # repeats
    "RANKING: the second one",               # no labels
    "RANKING: X1, X2, X3\nRANKING: X4, X1",  # the last line wins, and it is broken
    "RANKING: 1, 2",
])
def test_rejects_anything_but_a_full_permutation(text: str) -> None:
    parsed = parse_ballot(text, L3)
    assert parsed.order is None and parsed.error


def test_partial_ballots_when_allowed_rank_the_missing_label_last() -> None:
    assert parse_ballot("RANKING: X3, X1", L3, allow_partial=True).order == ("X3", "X1", "X2")
    assert parse_ballot("RANKING: X3", L3, allow_partial=True).order is None


def test_map_back_and_reasoning() -> None:
    perm = {"X1": "B", "X2": "AB", "X3": "A"}
    assert map_back(("X3", "X1", "X2"), perm) == ["A", "B", "AB"]
    assert text_before_ranking("X3 is clearer.\nRANKING: X3, X1, X2") == "X3 is clearer."
    assert text_before_ranking("RANKING: X3, X1, X2") is None


def test_structured_ballot_only_admits_full_orders() -> None:
    schema = ballot_schema(3)
    assert sorted(schema.model_json_schema()["properties"]["ranking"]["enum"]) == sorted(ranking_strings(L3))
    assert len(ranking_strings(L3)) == 6
    assert schema.model_validate({"ranking": "X2 > X3 > X1"})
    with pytest.raises(ValueError):
        schema.model_validate({"ranking": "X2 > X2 > X1"})
    assert parse_order("X2 > X3 > X1", L3).order == ("X2", "X3", "X1")
