from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from hadron.distill.gold import GoldRecord, load_gold
from hadron.llm.types import ChatRequest
from hadron.testing import ScriptedBackend, register_scripted, unregister_scripted

EXAMPLE_GOLD = Path(__file__).parents[2] / "examples" / "distill" / "gold.jsonl"
MAGIC = "Apply RULE-42."
"""The scripted student answers correctly only when its system prompt contains this."""
WRONG = {"category": "billing", "urgent": False, "tags": []}


@pytest.fixture
def gold() -> list[GoldRecord]:
    return load_gold(EXAMPLE_GOLD)


def user_input(request: ChatRequest) -> str:
    return str(request.messages[1]["content"]).split("\n\nAnswer with")[0]


def magic_student(records: list[GoldRecord]):
    by_input = {str(r.input): r.label for r in records}

    def answer(request: ChatRequest) -> str:
        label = by_input[user_input(request)]
        return json.dumps(label if MAGIC in str(request.messages[0]["content"]) else WRONG)

    return answer


def magic_reflector(request: ChatRequest) -> str:
    prompt = str(request.messages[-1]["content"])
    assert "Feedback" in prompt
    return f"Here is a better instruction:\n```\nLabel the support ticket. {MAGIC}\n```"


@pytest.fixture
def scripted(gold: list[GoldRecord]) -> Iterator[dict[str, ScriptedBackend]]:
    """``scripted:dstudent`` (right only with MAGIC) and ``scripted:dreflect`` (proposes MAGIC)."""
    backends = {"dstudent": register_scripted("dstudent", magic_student(gold)),
                "dreflect": register_scripted("dreflect", magic_reflector)}
    yield backends
    for name in backends:
        unregister_scripted(name)
