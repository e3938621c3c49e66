from __future__ import annotations

import asyncio
import json

from hadron.distill.adapter import COMPONENT, DistillAdapter, reflective_record
from hadron.distill.agreement import FieldComparator
from hadron.distill.bridge import LoopBridge
from hadron.distill.gold import GoldRecord
from hadron.distill.student import Student, label_spec
from hadron.llm import ModelHub
from hadron.llm.types import ChatRequest
from hadron.testing import register_scripted, unregister_scripted

FIELDS = {"categorical": ("category", "urgent"), "array": ("tags",)}
REPLIES = {
    # ticket:001 gold billing/false/[refund]: all right
    "ticket:001": '{"category": "billing", "urgent": false, "tags": ["refund"]}',
    # ticket:002 gold technical/true/[crash]: urgent wrong, tags half right
    "ticket:002": '{"category": "technical", "urgent": false, "tags": ["crash", "login"]}',
    # ticket:003: never parseable
    "ticket:003": "The ticket is about shipping.",
}


def make_adapter(gold: list[GoldRecord], bridge: LoopBridge) -> DistillAdapter:
    by_input = {str(r.input): r.id for r in gold}

    def answer(request: ChatRequest) -> str:
        return REPLIES[by_input[str(request.messages[1]["content"]).split("\n\nAnswer with")[0]]]

    register_scripted("dstudent-adapter", answer)
    student = Student(ModelHub().get("scripted:dstudent-adapter"), label_spec(gold, **FIELDS),
                      FieldComparator(**FIELDS), max_reasks=1)
    return DistillAdapter(student, bridge)


async def test_evaluate_and_reflective_dataset(gold: list[GoldRecord]) -> None:
    bridge = LoopBridge(asyncio.get_running_loop())
    adapter = make_adapter(gold, bridge)
    try:
        batch = gold[:3]
        result = await bridge.call_in_worker(adapter.evaluate, batch, {COMPONENT: "Label it."}, True)
        plain = await bridge.call_in_worker(adapter.evaluate, batch, {COMPONENT: "Label it."}, False)
    finally:
        unregister_scripted("dstudent-adapter")

    assert result.scores == [1.0, (1.0 + 0.0 + 0.5) / 3, 0.0]
    assert result.objective_scores == [
        {"category": 1.0, "urgent": 1.0, "tags": 1.0},
        {"category": 1.0, "urgent": 0.0, "tags": 0.5},
        {"category": 0.0, "urgent": 0.0, "tags": 0.0},
    ]
    assert result.outputs[0] == {"category": "billing", "urgent": False, "tags": ["refund"]}
    assert result.outputs[2] is None
    assert result.trajectories is not None and len(result.trajectories) == 3
    assert plain.trajectories is None and plain.scores == result.scores
    assert adapter.seen_ids == {"ticket:001", "ticket:002", "ticket:003"}
    assert adapter.metric_calls == 6

    dataset = adapter.make_reflective_dataset({COMPONENT: "Label it."}, result, [COMPONENT])
    rows = dataset[COMPONENT]
    assert [set(row) for row in rows] == [{"Inputs", "Generated Outputs", "Feedback"}] * 3
    assert rows[0]["Inputs"] == {"input": gold[0].input}
    assert rows[0]["Feedback"] == "Score 1.00. Correct: the answer matches the gold label."
    assert rows[1]["Generated Outputs"] == '{"category":"technical","tags":["crash","login"],"urgent":false}'
    assert rows[1]["Feedback"] == (
        'Score 0.50. Wrong: urgent: expected true, got false; tags: Jaccard 0.50 against gold ["crash"]; '
        'extra ["login"].')
    assert rows[2]["Generated Outputs"] == "The ticket is about shipping."
    feedback = rows[2]["Feedback"]
    assert feedback.startswith("Score 0.00. The answer could not be parsed: ")
    assert feedback.endswith(
        'The correct label is {"category":"shipping","tags":["delivery"],"urgent":false}.')
    json.dumps(dataset)  # JSON-serialisable, as gepa requires


def test_reflective_record_truncates_long_raw_answers(gold: list[GoldRecord]) -> None:
    from hadron.distill.agreement import Agreement
    from hadron.distill.student import StudentAnswer

    answer = StudentAnswer(gold[0], None, "x" * 5000, "no JSON", Agreement(0.0))
    assert reflective_record(answer)["Generated Outputs"].endswith("x [...]")
