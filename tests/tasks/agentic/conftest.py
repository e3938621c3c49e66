"""Scripted teachers, users and reviewers for the agentic tests (through the real model layer)."""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pytest

from hadron.llm.types import ChatRequest, Completion
from hadron.tasks.agentic.scenario import Scenario
from hadron.testing import register_scripted, unregister_scripted

_names = itertools.count()


def native_call(name: str, arguments: dict[str, Any] | str, text: str = "") -> Completion:
    """A reply that calls one tool through the tools API."""
    raw = arguments if isinstance(arguments, str) else json.dumps(arguments)
    return Completion(
        text=text,
        model="teacher",
        tool_calls=[{"id": "ignored", "type": "function", "function": {"name": name, "arguments": raw}}],
    )


def assistant_turns(request: ChatRequest) -> int:
    return sum(1 for message in request.messages if message["role"] == "assistant")


def teacher_script(steps: Sequence[Completion | str]) -> Callable[[ChatRequest], Completion | str]:
    """Reply with ``steps[k]`` on the k-th assistant turn of the conversation (then repeat the last)."""

    def reply(request: ChatRequest) -> Completion | str:
        return steps[min(assistant_turns(request), len(steps) - 1)]

    return reply


def review_json(
    scenario: Scenario, score: float = 9.0, *, needs_revision: bool = False, feedback: str = "fine"
) -> str:
    return json.dumps(
        {
            "scores": [{"item": item.id, "score": score, "comment": "ok"} for item in scenario.rubric],
            "total": score,
            "feedback": feedback,
            "needs_revision": needs_revision,
        }
    )


@pytest.fixture
def scripted() -> Iterator[Callable[..., str]]:
    """``spec = scripted(fn_or_replies, tools=True)`` registers a scripted model and returns its spec."""
    names: list[str] = []

    def make(fn: Any, *, tools: bool = True, schema: bool = False) -> str:
        name = f"agentic-{next(_names)}"
        register_scripted(name, fn, supports_tools=tools, supports_schema=schema)
        names.append(name)
        return f"scripted:{name}"

    yield make
    for name in names:
        unregister_scripted(name)


def auto_review(score: float = 9.0, **fields: Any) -> Callable[[ChatRequest], str]:
    """A reviewer that scores every rubric item listed in its prompt with ``score``."""

    def review(request: ChatRequest) -> str:
        prompt = request.messages[0]["content"]
        items = re.findall(r"^- (\S+) \(weight", prompt, re.MULTILINE)
        return json.dumps(
            {
                "scores": [{"item": item, "score": score} for item in items],
                "total": score,
                "feedback": fields.get("feedback", "fine"),
                "needs_revision": fields.get("needs_revision", False),
            }
        )

    return review
