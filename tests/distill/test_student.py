from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import ValidationError

from hadron.distill.agreement import FieldComparator, make_comparator
from hadron.distill.gold import GoldRecord
from hadron.distill.student import Student, label_spec, render_input
from hadron.llm import ModelHub
from hadron.llm.types import ChatRequest
from hadron.testing import ScriptedBackend, register_scripted, unregister_scripted

FIELDS: dict[str, Any] = {"categorical": ("category", "urgent"), "array": ("tags",)}


@pytest.fixture
def hub() -> Iterator[ModelHub]:
    yield ModelHub()


@pytest.fixture
def queue() -> Iterator[tuple[list[str], ScriptedBackend]]:
    replies: list[str] = []
    backend = register_scripted("dstudent-q", lambda request: replies.pop(0))
    yield replies, backend
    unregister_scripted("dstudent-q")


def make_student(hub: ModelHub, gold: list[GoldRecord]) -> Student:
    spec = label_spec(gold, **FIELDS)
    return Student(hub.get("scripted:dstudent-q"), spec, FieldComparator(**FIELDS), max_reasks=1)


def test_label_spec_enumerates_the_values_of_the_records_given(gold: list[GoldRecord]) -> None:
    spec = label_spec(gold, **FIELDS)
    assert spec.instruction == (
        'Answer with one JSON object with these keys: "category": one of: "billing", "technical", '
        '"shipping"; "urgent": one of: false, true; "tags": a list of zero or more of: "refund", "crash", '
        '"delivery", "login", "password", "invoice".')
    assert spec.schema.model_validate({"category": "billing", "urgent": True, "tags": []})
    with pytest.raises(ValidationError):
        spec.schema.model_validate({"category": "sales", "urgent": True, "tags": []})


def test_label_spec_nullable_and_whole_label() -> None:
    records = [GoldRecord(id="a", input="x", label={"c": "p", "t": ["q"]}),
               GoldRecord(id="b", input="y", label={"c": None})]
    spec = label_spec(records, categorical=["c"], array=["t"])
    assert spec.schema.model_validate({}).model_dump() == {"c": None, "t": None}
    assert '"c": one of: "p" (or null)' in spec.instruction
    whole = label_spec(records, categorical=[], array=[])
    assert whole.wrapped and whole.schema.model_validate({"label": [1]}).model_dump() == {"label": [1]}


def test_render_input() -> None:
    assert render_input("plain text") == "plain text"
    assert render_input({"a": "é"}) == '{\n  "a": "é"\n}'


async def test_answer_is_scored_at_temperature_zero(hub: ModelHub, gold: list[GoldRecord],
                                                    queue: tuple[list[str], ScriptedBackend]) -> None:
    replies, backend = queue
    student = make_student(hub, gold)
    replies.append('Sure! {"category": "billing", "urgent": false, "tags": ["refund"]}')
    answer = await student.answer("Label it.", gold[0])
    assert answer.error is None
    assert answer.predicted == {"category": "billing", "urgent": False, "tags": ["refund"]}
    assert answer.agreement.score == 1.0
    request: ChatRequest = backend.calls[-1]
    assert request.temperature == 0.0
    assert request.messages[0] == {"role": "system", "content": "Label it."}
    assert request.messages[1]["content"].startswith(str(gold[0].input) + "\n\nAnswer with one JSON object")


async def test_parse_failure_scores_zero_with_error_as_feedback(
        hub: ModelHub, gold: list[GoldRecord], queue: tuple[list[str], ScriptedBackend]) -> None:
    replies, _ = queue
    student = make_student(hub, gold)
    replies.extend(["I think it is about billing.", '{"category": "sales", "urgent": false, "tags": []}'])
    answer = await student.answer("Label it.", gold[0])
    assert not replies  # asked once, re-asked once: nothing skipped
    assert answer.predicted is None
    assert answer.raw == '{"category": "sales", "urgent": false, "tags": []}'
    assert answer.agreement.score == 0.0
    assert answer.agreement.fields == {"category": 0.0, "urgent": 0.0, "tags": 0.0}
    assert answer.error is not None and "category" in answer.error
    assert answer.agreement.notes == (f"the answer could not be parsed: {answer.error}",)


async def test_answer_all_keeps_order_and_every_record(hub: ModelHub, gold: list[GoldRecord]) -> None:
    by_input = {str(r.input): r.label for r in gold}

    def echo(request: ChatRequest) -> str:
        text = str(request.messages[1]["content"]).split("\n\nAnswer with")[0]
        return json.dumps(by_input[text])

    register_scripted("dstudent-echo", echo)
    try:
        student = Student(hub.get("scripted:dstudent-echo"), label_spec(gold, **FIELDS),
                          make_comparator(**FIELDS), concurrency=2)
        answers = await student.answer_all("p", gold)
    finally:
        unregister_scripted("dstudent-echo")
    assert [a.record.id for a in answers] == [r.id for r in gold]
    assert [a.agreement.score for a in answers] == [1.0] * len(gold)


def test_label_spec_offers_declared_values_beyond_the_gold() -> None:
    records = [GoldRecord(id="a", input="x", label={"c": "p", "t": ["q"]})]
    spec = label_spec(records, categorical=["c"], array=["t"], declared={"c": ["r"], "t": ["s", "q"]})
    assert '"c": one of: "p", "r"' in spec.instruction and '"t": a list of zero or more of: "q", "s"' in \
        spec.instruction
    assert spec.schema.model_validate({"c": "r", "t": ["s"]})
    with pytest.raises(ValidationError):
        spec.schema.model_validate({"c": "z", "t": []})
