"""The one small interface every backend implements (like httpx's transport).

Policy (cache, rate limits, retries, pools, accounting) lives above this in ``hadron.llm.client``;
a backend only turns a ``ChatRequest`` into a ``Completion`` or raises a ``hadron.llm.errors`` type.

A backend that enforces ``ModelConfig.timeout_s`` itself (raising ``Timeout``) may set a class attribute
``enforces_timeout = True``; the client then skips its own timer, one less per call on the hot path.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from hadron.llm.types import ChatRequest, Completion


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
