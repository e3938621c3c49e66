"""Scripted attacker/defender/judge for NanoFlux tests (through the real client), and a fake embedder.

The attacker tells rounds apart by the seed of its request (``call_seed(round id, "attacker")``), and
every question starts with ``Q<n>:``, so the defender's and judge's replies are looked up by that
number. ``FakeEmbedder`` embeds a bag of words: equal word sets are near 1, disjoint ones near 0.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest

from hadron.llm.types import ChatRequest, Completion
from hadron.tasks.nanoflux.embeddings import normalize
from hadron.tasks.nanoflux.roles import call_seed
from hadron.testing import register_scripted, unregister_scripted

_NUMBER = re.compile(r"\bQ(\d+):")
_names = itertools.count()

TOPICS = ("trains", "tanks", "coins", "ladders", "gears", "clocks", "rivers", "candles", "bridges", "lamps",
          "ropes", "boxes", "wheels", "seeds", "bricks", "kites", "bells", "maps", "pumps", "tiles")

GOOD_VERDICT = {"valid": True, "defender_correct": False, "defender_struggled": False,
                "reasoning_quality": 3, "hops": 3, "notes": "the defender slipped in step two"}


def question_text(n: int) -> str:
    """Distinct word sets for distinct ``n`` (under 20), so the fake embedder keeps them apart."""
    words = [TOPICS[(n + k) % len(TOPICS)] for k in (0, 7, 13)]
    return f"Q{n}: {words[0]} and {words[1]} beside {words[2]}?"


@dataclass
class Round:
    """How the scripted models behave in round ``n`` (the n-th attack)."""

    attack: str | None = None
    """The attacker's reply; None writes a valid attack with ``question_text(n)``."""
    attack_reask: str | None = None
    defense: str = "I add the parts.\nANSWER: 41"
    check: list[str | Completion] = field(default_factory=lambda: ["The reference is right; 41 is wrong."])
    """The judge's replies in the tool phase, in order (the last one repeats)."""
    verdict: dict[str, Any] | str = field(default_factory=lambda: dict(GOOD_VERDICT))
    compute: str = "```python\nx = 6 * 7\nprint(x)\n```"
    """The judge's reply to the compute-first prompt."""
    verdict_reask: dict[str, Any] | str | None = None
    """Reply to a verdict re-ask (None: the same as ``verdict``)."""


def role_of(request: ChatRequest) -> str:
    users = [str(m.get("content") or "") for m in request.messages if m.get("role") == "user"]
    first, last = users[0], users[-1]
    reask = "could not be used" in last
    if first.startswith("Write one hard, multi-step question"):
        return "attacker_reask" if reask else "attacker"
    if first.startswith("Answer the question below"):
        return "defender"
    if first.startswith("QUESTION:") and not any("Check a question written" in u for u in users):
        return "compute"  # the judge's compute-first call (a worked example turn, then the question)
    if first.startswith("Check a question written") or any("Check a question written" in u for u in users):
        if reask:
            return "verdict_reask"
        return "verdict" if last.startswith("Now give your verdict") else "check"
    raise AssertionError(f"unexpected request: {first[:80]!r}")


def as_text(value: dict[str, Any] | str) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def rounds_by_seed(domains: tuple[str, ...] = ("math", "science", "algebra-lite"),
                   count: int = 200) -> dict[int, int]:
    """The attacker's seed of each round -> its number (how the fake tells rounds apart)."""
    return {call_seed(f"{domain}/r{i:05d}", "attacker"): i for domain in domains for i in range(count)}


SEEDS = rounds_by_seed()


@dataclass
class Fake:
    rounds: dict[int, Round] = field(default_factory=dict)
    attacks: int = 0
    log: list[tuple[str, str, int]] = field(default_factory=list)
    """(role, model id, round number) of every call, in order."""
    requests: list[ChatRequest] = field(default_factory=list)

    def round(self, n: int) -> Round:
        return self.rounds.get(n, Round())

    def __call__(self, request: ChatRequest) -> str | Completion:
        role = role_of(request)
        self.requests.append(request)
        if role in ("attacker", "attacker_reask"):
            n = SEEDS[request.seed or 0]
            self.attacks += role == "attacker"
        else:
            asked = request.messages[-1 if role == "compute" else 1]  # compute: after the worked example
            found = _NUMBER.search(str(asked["content"]))
            assert found is not None, "the defender and judge see the question"
            n = int(found.group(1))
        self.log.append((role, request.model, n))
        spec = self.round(n)
        if role == "attacker":
            if spec.attack is not None:
                return spec.attack
            return json.dumps({"question": question_text(n), "explanation": "Step one. Step two. Step three.",
                               "answer": "42"})
        if role == "attacker_reask":
            return spec.attack_reask if spec.attack_reask is not None else (spec.attack or "")
        if role == "defender":
            return spec.defense
        if role == "compute":
            return spec.compute
        if role == "check":
            step = sum(1 for m in request.messages if m.get("role") == "assistant")
            return spec.check[min(step, len(spec.check) - 1)]
        if role == "verdict_reask" and spec.verdict_reask is not None:
            return as_text(spec.verdict_reask)
        return as_text(spec.verdict)

    def roles(self, role: str) -> list[tuple[str, int]]:
        return [(model, n) for r, model, n in self.log if r == role]


class FakeEmbedder:
    """Bag-of-words vectors (256 hashed dimensions); counts its calls."""

    def __init__(self) -> None:
        self.name = "fake"
        self.calls = 0

    async def embed(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        matrix = np.zeros((len(texts), 256), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"[a-z]+", text.lower()):
                matrix[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % 256] += 1.0
        return normalize(matrix)

    async def aclose(self) -> None:
        pass


@pytest.fixture
def fake_embedder() -> Iterator[None]:
    """``--embedder fake:`` names a ``FakeEmbedder`` while the test runs."""
    from hadron.tasks.nanoflux import embeddings

    embeddings.register_embedder("fake", lambda rest: FakeEmbedder())
    yield
    embeddings._EMBEDDERS.pop("fake", None)


def tool_call(code: str, call_id: str = "call_1") -> Completion:
    """A judge reply that calls the python tool natively."""
    function = {"name": "python", "arguments": json.dumps({"code": code})}
    call = {"id": call_id, "type": "function", "function": function}
    return Completion(text="", model="fake", tool_calls=[call])


@pytest.fixture
async def scripted() -> AsyncIterator[Callable[..., str]]:
    """``spec = scripted(fake, tools=True)``: register ``fake`` as a model; returns its spec."""
    names: list[str] = []

    def make(fake: Fake, *, tools: bool = True, schema: bool = False) -> str:
        name = f"nanoflux-{next(_names)}"
        register_scripted(name, fake, supports_tools=tools, supports_schema=schema)
        names.append(name)
        return f"scripted:{name}"

    yield make
    for name in names:
        unregister_scripted(name)
