"""One end-to-end distillation with the embedded SmolLM2 as both student and reflection model.

Tiny gold (6 tickets, 2 held out, one held-out category that train never shows) and one generation,
so it stays under a minute on two cores. What it proves on the real model: the holdout never reaches
the optimizer, the gate's per-example scores are what the model really answers (a fresh, uncached
student reproduces them), the schema offers the held-out-only category, and the decision follows the
CI rule's evidence rather than the raw delta.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hadron.distill import DistillConfig, distill
from hadron.distill.agreement import FieldComparator
from hadron.distill.gate import score_holdout
from hadron.distill.student import Student
from hadron.llm import ModelHub

pytestmark = [pytest.mark.model, pytest.mark.slow]

TICKETS = [
    ("I was charged twice this month, please refund me.", "billing"),
    ("The app crashes when I open it.", "technical"),
    ("My card was billed for a plan I cancelled.", "billing"),  # holdout (3rd)
    ("I cannot log in, the page shows an error.", "technical"),
    ("Please send me last month's invoice.", "billing"),
    ("My parcel never arrived, where is it?", "shipping"),  # holdout (6th): a category train lacks
]
SEED_PROMPT = "Classify the customer support ticket."


async def test_distill_with_embedded_model(tmp_path: Path) -> None:
    pytest.importorskip("llama_cpp")
    gold = tmp_path / "gold.jsonl"
    gold.write_text("".join(json.dumps({"id": f"t{i}", "input": text, "label": {"category": cat}}) + "\n"
                            for i, (text, cat) in enumerate(TICKETS)))
    config = DistillConfig(categorical=("category",), stride=3, val_stride=0, generations=1,
                           minibatch_size=2, max_seconds=120, reflection_max_tokens=160,
                           student_max_tokens=24, seed=1, bootstrap=500)
    report = await distill(gold, SEED_PROMPT, config, tmp_path / "out")

    holdout = [record.id for record in report.split.holdout]
    assert holdout == ["t2", "t5"]
    assert report.optimizer.seen_ids.isdisjoint(holdout) and report.optimizer.seen_ids
    assert report.optimizer.iterations <= 1
    assert report.optimizer.metric_calls <= report.optimizer.max_metric_calls == 4 + (2 * 2 + 4)

    # The gate scored real answers: a fresh student with no cache gets the same per-example scores.
    async with ModelHub() as hub:
        from hadron.distill.student import label_spec

        spec = label_spec([*report.split.train, *report.split.holdout], categorical=("category",), array=())
        assert '"shipping"' in spec.instruction  # the held-out-only category can be answered
        student = Student(hub.get("local"), spec, FieldComparator(("category",)), max_tokens=24, seed=1)
        again = await score_holdout(student, report.baseline_prompt, report.split.holdout)
    assert [(s.id, s.score) for s in again] == [(s.id, s.score) for s in report.baseline_scores]
    # constrained decoding: every answer of the 135M model parsed into the vocabulary
    assert all(s.error is None for s in (*report.baseline_scores, *report.winner_scores))

    d = report.decision
    diffs = [w.score - b.score for b, w in zip(report.baseline_scores, report.winner_scores, strict=True)]
    assert d.delta == pytest.approx(sum(diffs) / len(diffs))
    # With two holdout examples the CI can only clear 0 when both improve: anything less is kept out.
    assert d.promoted == all(diff > 0 for diff in diffs)
    assert report.student_prompt == (report.winner_prompt if d.promoted else SEED_PROMPT)
    result = json.loads((tmp_path / "out" / "result.json").read_text())
    assert result["gate"]["rule"] == "ci" and result["calls"]["student"] >= report.optimizer.metric_calls
    print(f"\nembedded model: baseline {d.baseline_mean:.4f} winner {d.winner_mean:.4f} "
          f"delta {d.delta:+.4f} CI [{d.ci_low:+.4f}, {d.ci_high:+.4f}] promoted={d.promoted} "
          f"metric_calls={report.optimizer.metric_calls} reflection_calls={report.reflection_calls} "
          f"candidates={len(report.optimizer.candidates)} total_s={report.seconds:.1f}")
