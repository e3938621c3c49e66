"""The one small interface every backend implements (like httpx's transport).

Policy (cache, rate limits, retries, pools, accounting) lives above this in ``hadron.llm.client``;
a backend only turns a ``ChatRequest`` into a ``Completion`` or raises a ``hadron.llm.errors`` type.

A backend that enforces ``ModelConfig.timeout_s`` itself (raising ``Timeout``) may set a class attribute
``enforces_timeout = True``; the client then skips its own timer, one less per call on the hot path.

A backend may also declare ``defaults`` (a ``BackendDefaults``): what its models do best with, which a
task takes for every setting its config leaves unset (``hadron.llm.defaults.defaults_for``), so every
command that runs the same model behaves the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from hadron.llm.types import ChatRequest, Completion


@dataclass(frozen=True, slots=True)
class BackendDefaults:
    """Settings a backend's models need, used only where a config leaves them unset. None: no opinion."""

    answer_max_tokens: int | None = None
    """Cap for a free-text answer (a draft, a critique, a rewrite)."""
    verdict_max_tokens: int | None = None
    """Cap for a short structured answer (a ballot, a judgement)."""
    max_rounds: int | None = None
    """Cap on an iterative task's rounds (AutoReason's passes) when the model is slow or unreliable."""
    question_max_tokens: int | None = None
    """Cap for a written problem with its reference answer and explanation (NanoFlux's attacker)."""
    solution_max_tokens: int | None = None
    """Cap for a worked, step-by-step solution (NanoFlux's defender)."""
    check_max_tokens: int | None = None
    """Cap for an assessment that reasons, and may call tools, before it decides (NanoFlux's judge)."""
    scored_verdict_max_tokens: int | None = None
    """Cap for a structured verdict with several scored fields, longer than a ballot (NanoFlux's)."""
    short_tool_prompt: bool | None = None
    """True: the model skips a tool offered inside a long prompt, so ask for the tool call in a short
    prompt first (NanoFlux's ``judge.compute_first``)."""


NO_DEFAULTS = BackendDefaults()


@runtime_checkable
class Backend(Protocol):
    supports_schema: bool
    """True when the backend constrains output to a JSON schema (``response_format``)."""
    supports_tools: bool
    """True when the backend accepts OpenAI ``tools`` and returns ``tool_calls``."""
    endpoint: str
    """Identifies the server (base URL, or ``local:<path>``); rate limits are shared per (endpoint, model)."""

    async def complete(self, request: ChatRequest) -> Completion: ...

    async def aclose(self) -> None: ...
