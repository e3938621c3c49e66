"""The reflection LM gepa calls: a plain sync callable served by the model layer (cached, retried,
metered under role ``reflection``).

gepa 0.1.4 swallows exceptions raised while proposing (it logs them and tries the next iteration), so
an unreachable reflection model would quietly burn the budget. The reflector therefore remembers the
first ``LLMError``; ``FailureStopper`` ends the run on it and ``run.py`` re-raises it.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from hadron.core import canonical_json, stable_hash
from hadron.distill.bridge import LoopBridge
from hadron.llm import ChatModel, LLMError
from hadron.llm.chat import as_messages


class Reflector:
    """``(prompt: str | messages) -> str`` for ``gepa.optimize(reflection_lm=...)``."""

    def __init__(self, model: ChatModel, bridge: LoopBridge, *, temperature: float = 0.7,
                 max_tokens: int = 768, seed: int = 0) -> None:
        self.model = model
        self.bridge = bridge
        self.temperature = temperature
        self.max_tokens = max_tokens
        self.seed = seed
        self.failure: LLMError | None = None
        self.calls = 0
        self._asked: Counter[str] = Counter()

    def __call__(self, prompt: str | list[dict[str, Any]]) -> str:
        messages = as_messages(prompt)
        key = canonical_json(messages)
        # The same reflective prompt asked again gets a new sample (not the cached answer), and the
        # numbering is deterministic, so a rerun replays the same proposals from the cache.
        sample = self._asked[key]
        self._asked[key] += 1
        self.calls += 1
        try:
            completion = self.bridge.run(self.model.chat(
                messages, role="reflection", temperature=self.temperature, max_tokens=self.max_tokens,
                seed=stable_hash("distill-reflection", self.seed) % 2**31, sample_index=sample))
        except LLMError as exc:
            if self.failure is None:
                self.failure = exc
            raise
        return completion.text


class FailureStopper:
    """gepa stopper: true once the reflection model has failed for good."""

    def __init__(self, reflector: Reflector) -> None:
        self.reflector = reflector

    def __call__(self, gepa_state: Any) -> bool:
        return self.reflector.failure is not None
