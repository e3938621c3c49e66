"""Refinement without leaks: the reviewer's feedback (which names the hidden goal) may steer the teacher,
but no saved conversation contains anything the simulated user did not say or the tools did not return."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from pathlib import Path

from hadron.llm.types import ChatRequest
from hadron.tasks.agentic.run import AgenticRunConfig, run_agentic

from .conftest import native_call, teacher_script
from .test_step import ORDERS

SECRET = "You are moving to Lisbon next month, and your loyalty code is GOLD-7731."
HINT = "# Reviewer notes on an earlier attempt"


def _scenario(tmp_path: Path) -> Path:
    text = (ORDERS / "cancel-order.yaml").read_text()
    text = text.replace(
        "Your email is jo.baker@example.com.", f"Your email is jo.baker@example.com. {SECRET}"
    )
    text = text.replace("target_count: 2", "target_count: 1")
    path = tmp_path / "cancel.yaml"
    path.write_text(text)
    return path


def _teacher(leaky: bool) -> Callable[[ChatRequest], object]:
    def reply(request: ChatRequest) -> object:
        system = request.messages[0]["content"]
        answer = "Order O-1042 is cancelled and 39.00 is refunded to your card."
        if HINT in system and leaky:  # copies the hidden notes into what the user reads
            answer += " " + system.split(HINT, 1)[1].replace("\n", " ")
        return teacher_script(
            [
                native_call("get_order", {"order_id": "O-1042"}),
                native_call("cancel_order", {"order_id": "O-1042", "reason": "ordered by mistake"}),
                answer,
            ]
        )(request)

    return reply


def _reviewer() -> Callable[[ChatRequest], str]:
    """Sends the first attempt back with feedback that quotes the hidden goal, then accepts."""
    seen = []

    def review(request: ChatRequest) -> str:
        prompt = request.messages[0]["content"]
        items = re.findall(r"^- (\S+) \(weight", prompt, re.MULTILINE)
        seen.append(1)
        first = len(seen) == 1
        return json.dumps(
            {
                "scores": [{"item": item, "score": 3 if first else 9} for item in items],
                "total": 3 if first else 9,
                "feedback": f"The customer wanted more: {SECRET} Mention it." if first else "fine",
                "needs_revision": first,
            }
        )

    return review


def _hidden_words(visible: str) -> set[str]:
    words = {w.lower() for w in re.findall(r"[\w-]+", SECRET) if len(w) >= 5}
    return {w for w in words if w not in visible.lower()}


def _run(scripted: Callable[..., str], tmp_path: Path, *, leaky: bool) -> tuple[Path, object]:
    config = AgenticRunConfig(
        scenarios=str(_scenario(tmp_path)),
        teacher=scripted(_teacher(leaky)),
        reviewer=scripted(_reviewer()),
        review={"max_rounds": 2},
    )
    out = tmp_path / "run"
    return out, asyncio.run(run_agentic(config, out, progress="off"))


def _saved_text(out: Path) -> list[str]:
    """What becomes training data: the conversations of the data shards and every export."""
    shards = [
        json.dumps(json.loads(line)["messages"])
        for p in (out / "data").glob("*.jsonl")
        for line in p.read_text().splitlines()
    ]
    return [*shards, *(path.read_text() for path in (out / "exports").rglob("*.jsonl"))]


def test_a_refined_episode_keeps_the_visible_context_and_no_hidden_text(
    scripted: Callable[..., str], tmp_path: Path
) -> None:
    out, summary = _run(scripted, tmp_path, leaky=False)
    assert summary.rows == 1  # type: ignore[attr-defined]
    row = json.loads((out / "data/part-00000.jsonl").read_text())
    assert [a["mode"] for a in row["attempts"]] == ["play", "rerun"]
    assert row["attempts"][0]["reasons"] == ["review_failed"]
    messages = row["messages"]
    assert messages[1]["content"] == "Hi, can you cancel my order O-1042 please? I ordered it by mistake."
    assert HINT not in messages[0]["content"]
    visible = " ".join(m["content"] or "" for m in messages if m["role"] != "assistant")
    hidden = _hidden_words(visible)
    assert {"lisbon", "loyalty", "gold-7731"} <= hidden
    for message in messages:  # the saved conversation
        assert not [w for w in hidden if w in json.dumps(message).lower()], message
    exports = list((out / "exports").rglob("*.jsonl"))  # SFT exports and exports/orders/shard-00000.jsonl
    assert len(exports) == 4
    for export in exports:
        assert not [w for w in hidden if w in export.read_text().lower()], export
        assert HINT not in export.read_text()


def test_an_attempt_that_repeats_hidden_text_is_never_saved(
    scripted: Callable[..., str], tmp_path: Path
) -> None:
    out, summary = _run(scripted, tmp_path, leaky=True)
    assert summary.rows == 0 and summary.rejected == {"leak": 1}  # type: ignore[attr-defined]
    reject = json.loads((out / "rejects.jsonl").read_text())
    assert [a["reasons"] for a in reject["detail"]["attempts"]] == [["review_failed"], ["leak"], ["leak"]]
    assert "gold-7731" in reject["detail"]["attempts"][1]["note"]
    for text in _saved_text(out):
        assert "lisbon" not in text.lower()
