"""A scripted teacher/critic/author/synthesizer/judge for tournament tests (through the real client)."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from hadron.llm.hub import ModelHub
from hadron.llm.types import ChatRequest

_BLOCK = re.compile(r"^BEGIN (X\d+)\n(.*?)\nEND \1$", re.DOTALL | re.MULTILINE)


def shown(request: ChatRequest) -> dict[str, str]:
    """label -> candidate text, in the order the judge was shown them."""
    first_user = next(m["content"] for m in request.messages if m["role"] == "user")
    return dict(_BLOCK.findall(first_user))


def rank(candidates: dict[str, str], prefer: Sequence[str]) -> list[str]:
    """Labels best first: a text containing ``prefer[0]`` first, and so on; ties keep label order."""
    def score(label: str) -> int:
        text = candidates[label]
        return next((i for i, word in enumerate(prefer) if word in text), len(prefer))
    return sorted(candidates, key=score)


def ranking_line(labels: Sequence[str]) -> str:
    return "These are my reasons.\nRANKING: " + ", ".join(labels)


def role_of(request: ChatRequest) -> str:
    user = [m["content"] for m in request.messages if m["role"] == "user"]
    first, last = user[0], user[-1]
    if "did not end with a usable ranking" in last or "could not be used" in last:
        return "judge_reask"
    if "responses to the same task from best to worst" in first:
        return "judge"
    if "List the real problems in the response" in first:
        return "critic"
    if "A reviewer found these problems in the current response" in first:
        return "author_b"
    if "two responses to this task" in first:
        return "merge"
    if "Repair the response" in first:
        return "repair"
    return "teacher"


JudgeFn = Callable[[dict[str, str], ChatRequest], str]


@dataclass
class Fake:
    """Deterministic role answers; ``judge(shown, request)`` writes each ballot reply."""

    teacher: Callable[[str], str] = lambda prompt: "alpha"
    critic: Callable[[int], str] = lambda n: "- \"alpha\" is vague"
    author_b: Callable[[int], str] = lambda n: f"beta-{n}"
    synth: Callable[[int], str] = lambda n: f"gamma-{n}"
    judge: JudgeFn = lambda cands, request: ranking_line(rank(cands, ["alpha"]))
    reask: JudgeFn | None = None
    calls: Counter[str] = field(default_factory=Counter)
    requests: list[ChatRequest] = field(default_factory=list)

    def __call__(self, request: ChatRequest) -> str:
        role = role_of(request)
        self.calls[role] += 1
        self.requests.append(request)
        n = self.calls[role]
        if role == "teacher":
            prompt = next(m["content"] for m in request.messages if m["role"] == "user")
            return self.teacher(prompt)
        if role == "critic":
            return self.critic(n)
        if role == "author_b":
            return self.author_b(n)
        if role in ("merge", "repair"):
            return self.synth(n)
        if role == "judge_reask":
            reply = (self.reask or self.judge)(shown(request), request)
        else:
            reply = self.judge(shown(request), request)
        if request.response_format is not None:  # a schema-constrained ballot
            order = re.search(r"RANKING: (.*)$", reply, re.MULTILINE)
            ranking = " > ".join(order.group(1).split(", ")) if order else reply
            return json.dumps({"reasoning": "short reason", "ranking": ranking})
        return reply

    def of(self, role: str) -> list[ChatRequest]:
        return [r for r in self.requests if role_of(r) == role]


@dataclass
class FakeSetup:
    fake: Fake
    spec: str
    cache: Path

    def hub(self, *, cache: bool = False) -> ModelHub:
        return ModelHub(cache_path=self.cache if cache else None)


@dataclass
class Ctx:
    """A minimal ``StepContext`` for calling a step's ``process`` without the runtime."""

    row_id: str
    models: ModelHub

    def seed(self, *parts: object) -> int:
        from hadron.core import stable_hash

        return stable_hash(self.row_id, *parts)
