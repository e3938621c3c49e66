"""The request and answer types every backend speaks.

A ``ChatRequest`` is the fully rendered call (model, messages, sampling, seed, sample index); its
``cache_key`` is a hash of exactly that, which is what makes every run resumable (DESIGN.md §2, rule 2).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any

from hadron.core import canonical_json

Message = dict[str, Any]
"""An OpenAI-style chat message: ``{"role": ..., "content": ..., "tool_calls"?: ..., ...}``."""


@dataclass(frozen=True, slots=True)
class ChatRequest:
    """One rendered chat-completions call."""

    messages: list[Message]
    model: str = ""
    temperature: float | None = None
    max_tokens: int | None = None
    top_p: float | None = None
    seed: int | None = None
    stop: list[str] | None = None
    response_format: dict[str, Any] | None = None
    """OpenAI form: ``{"type": "json_schema", "json_schema": {"name": ..., "schema": {...}}}``."""
    tools: list[dict[str, Any]] | None = None
    tool_choice: str | dict[str, Any] | None = None
    sample_index: int = 0
    """Distinguishes N samples of the same prompt in the cache; not sent to the server."""
    extra_body: dict[str, Any] = field(default_factory=dict)

    def cache_key(self) -> str:
        # The fields as they are: ``asdict`` would deep-copy the messages first, for the same JSON.
        fields_ = {name: getattr(self, name) for name in _REQUEST_FIELDS}
        return hashlib.sha256(canonical_json(fields_).encode()).hexdigest()

    def to_openai(self) -> dict[str, Any]:
        """The JSON body for ``POST /chat/completions``."""
        body: dict[str, Any] = {"model": self.model, "messages": self.messages}
        for name in ("temperature", "max_tokens", "top_p", "seed", "stop", "response_format", "tools",
                     "tool_choice"):
            value = getattr(self, name)
            if value is not None:
                body[name] = value
        body.update(self.extra_body)
        return body


@dataclass(slots=True)
class TokenUsage:
    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass(slots=True)
class Completion:
    """What one call returned, after the reasoning was split from the visible text."""

    text: str
    model: str
    reasoning: str | None = None
    usage: TokenUsage = field(default_factory=TokenUsage)
    finish_reason: str | None = None
    latency_s: float = 0.0
    tool_calls: list[dict[str, Any]] | None = None
    """OpenAI form: ``[{"id", "type": "function", "function": {"name", "arguments": str}}]``."""
    cached: bool = False
    attempts: int = 1
    cost_usd: float = 0.0
    served_by: str = ""
    """Which pool member answered (the spec string); equals ``model`` outside pools."""
    reasks: int = 0
    """Calls re-asked inside this one (a reasoning model that ran out of ``max_tokens``)."""
    priced: bool = True
    """False when the model's price is unknown: ``cost_usd`` is then 0 but means n/a, not free."""

    @property
    def truncated(self) -> bool:
        """The answer was cut off by ``max_tokens`` (or the context)."""
        return self.finish_reason == "length"

    def to_dict(self) -> dict[str, Any]:
        """The fields as plain data (values shared, not copied: this is serialized right away)."""
        data = {name: getattr(self, name) for name in _COMPLETION_FIELDS}
        data["usage"] = {"prompt_tokens": self.usage.prompt_tokens,
                         "completion_tokens": self.usage.completion_tokens}
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Completion:
        data = dict(data)
        data["usage"] = TokenUsage(**data.get("usage") or {})
        return cls(**data)


Accept = Callable[[Completion], bool]
"""A caller's validation of an answer (a non-empty draft, a parseable ballot, a schema match). The
client neither stores nor replays an answer it refuses, so a retry really asks again."""


def usable(completion: Completion, accept: Accept | None) -> bool:
    return accept is None or accept(completion)


_REQUEST_FIELDS = tuple(f.name for f in fields(ChatRequest))
_COMPLETION_FIELDS = tuple(f.name for f in fields(Completion))
"""Field names looked up once: both are read on every model call."""
