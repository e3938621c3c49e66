"""``ScriptedBackend``: a backend driven by a plain function, for tests (public API).

Register one under a name and ``hub.get("scripted:NAME")`` uses it through the real client path
(cache, retries, rate limits, accounting). The function takes the ``ChatRequest`` and returns the
reply text or a full ``Completion``, sync or async; raising a ``hadron.llm.errors`` type simulates a
failure. A list of strings replays those replies in order.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Awaitable, Callable, Sequence

from hadron.core import canonical_json
from hadron.errors import ConfigError
from hadron.llm.config import ModelConfig
from hadron.llm.reasoning import split_reasoning
from hadron.llm.types import ChatRequest, Completion, TokenUsage

Reply = str | Completion
ScriptFn = Callable[[ChatRequest], Reply | Awaitable[Reply]]

_SCRIPTED: dict[str, ScriptedBackend] = {}


class ScriptedBackend:
    """Answers with ``fn(request)``; keeps every request it was sent in ``calls``."""

    def __init__(self, fn: ScriptFn | Sequence[str], *, name: str = "scripted",
                 supports_schema: bool = False, supports_tools: bool = True) -> None:
        self.fn: ScriptFn = fn if callable(fn) else _replay(fn)
        self.name = name
        self.endpoint = f"scripted:{name}"
        self.supports_schema = supports_schema
        self.supports_tools = supports_tools
        self.calls: list[ChatRequest] = []

    async def complete(self, request: ChatRequest) -> Completion:
        self.calls.append(request)
        reply = self.fn(request)
        if inspect.isawaitable(reply):
            reply = await reply
        if isinstance(reply, Completion):
            return dataclasses.replace(reply)  # the client stamps its copy (latency, attempts)
        text, reasoning = split_reasoning(reply)
        usage = TokenUsage(prompt_tokens=len(canonical_json(request.messages)) // 4,
                           completion_tokens=max(1, len(reply) // 4) if reply else 0)
        return Completion(text=text, model=request.model, reasoning=reasoning, usage=usage,
                          finish_reason="stop")

    async def aclose(self) -> None:
        """Nothing to release; the backend stays registered for the next hub."""


def _replay(replies: Sequence[str]) -> ScriptFn:
    queue = list(replies)

    def next_reply(request: ChatRequest) -> str:
        if not queue:
            raise AssertionError(f"scripted replies exhausted after {len(replies)} calls")
        return queue.pop(0)

    return next_reply


def register_scripted(name: str, fn: ScriptFn | Sequence[str] | ScriptedBackend, *,
                      supports_schema: bool = False, supports_tools: bool = True) -> ScriptedBackend:
    """Make ``scripted:NAME`` answer with ``fn``; returns the backend (its ``calls`` record requests)."""
    backend = fn if isinstance(fn, ScriptedBackend) else ScriptedBackend(
        fn, name=name, supports_schema=supports_schema, supports_tools=supports_tools)
    _SCRIPTED[name] = backend
    return backend


def unregister_scripted(name: str) -> None:
    _SCRIPTED.pop(name, None)


def scripted_backend(config: ModelConfig) -> ScriptedBackend:
    """Registry factory for the ``scripted`` scheme."""
    try:
        return _SCRIPTED[config.model]
    except KeyError:
        known = ", ".join(sorted(_SCRIPTED)) or "none"
        raise ConfigError(f"no scripted model named {config.model!r} (registered: {known})",
                          hint="call hadron.testing.register_scripted first") from None
