from __future__ import annotations

import pytest
from pydantic import BaseModel, TypeAdapter

from hadron.llm import extract_json
from hadron.llm.structured import parse_reply, reask_message, response_format


class Ballot(BaseModel):
    ranking: list[str]


@pytest.mark.parametrize(("text", "value"), [
    ('{"a": 1}', {"a": 1}),
    ('Here you go:\n```json\n{"a": 1}\n```\nHope it helps', {"a": 1}),
    ('```\n[1, 2]\n```', [1, 2]),
    ('The ballot is {"a": {"b": [1, "}"]}} and that is final.', {"a": {"b": [1, "}"]}}),
    ('bad {start then {"a": 2}', {"a": 2}),
])
def test_extract_json_finds_the_value(text: str, value: object) -> None:
    assert extract_json(text) == value


def test_extract_json_says_when_there_is_none() -> None:
    with pytest.raises(ValueError, match="no JSON"):
        extract_json("I prefer the second one.")


def test_parse_reply_quotes_the_validation_problem() -> None:
    adapter = TypeAdapter(Ballot)
    assert parse_reply('{"ranking": ["X1", "X2"]}', adapter) == Ballot(ranking=["X1", "X2"])
    with pytest.raises(ValueError, match="ranking: Input should be a valid list"):
        parse_reply('{"ranking": "X1"}', adapter)
    message = reask_message("ranking: Field required", adapter)
    assert message["role"] == "user" and "ranking: Field required" in message["content"]
    assert '"ranking"' in message["content"]


def test_response_format_names_the_schema() -> None:
    fmt = response_format(Ballot, TypeAdapter(Ballot))
    assert fmt["type"] == "json_schema" and fmt["json_schema"]["name"] == "Ballot"
    assert fmt["json_schema"]["schema"]["properties"]["ranking"]["type"] == "array"
    assert response_format(list[int], TypeAdapter(list[int]))["json_schema"]["name"] == "list"


def test_a_schema_is_shaped_once() -> None:
    """The validator and JSON schema are built once per type: building them per call cost ~25% of a
    structured call's client CPU."""
    from hadron.llm.structured import shape_of

    first = shape_of(Ballot)
    assert shape_of(Ballot) is first
    assert first.response_format == response_format(Ballot, TypeAdapter(Ballot))
    assert first.adapter.validate_python({"ranking": ["X1", "X2"]}) == Ballot(ranking=["X1", "X2"])
