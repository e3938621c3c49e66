"""The model layer: one async chat interface over any backend, with cache, retries, rate limits,
pools and accounting. Steps use ``ModelHub.get(spec)`` and ``ChatModel.chat`` / ``chat_json``."""

from __future__ import annotations

from hadron.llm.accounting import Meter, Tally
from hadron.llm.backends.base import Backend
from hadron.llm.chat import ChatModel
from hadron.llm.client import Client
from hadron.llm.config import ModelConfig, PoolConfig, PoolMember, parse_spec
from hadron.llm.errors import (
    Disconnected,
    LLMError,
    MalformedResponse,
    RateLimited,
    Rejected,
    RetriesExhausted,
    ServerError,
    Timeout,
    TransientError,
)
from hadron.llm.hub import ModelHub
from hadron.llm.pool import Pool
from hadron.llm.reasoning import split_reasoning
from hadron.llm.registry import register_backend
from hadron.llm.structured import Structured, extract_json
from hadron.llm.types import ChatRequest, Completion, Message, TokenUsage

__all__ = [
    "Backend",
    "ChatModel",
    "ChatRequest",
    "Client",
    "Completion",
    "Disconnected",
    "LLMError",
    "MalformedResponse",
    "Message",
    "Meter",
    "ModelConfig",
    "ModelHub",
    "Pool",
    "PoolConfig",
    "PoolMember",
    "RateLimited",
    "Rejected",
    "RetriesExhausted",
    "ServerError",
    "Structured",
    "Tally",
    "Timeout",
    "TokenUsage",
    "TransientError",
    "extract_json",
    "parse_spec",
    "register_backend",
    "split_reasoning",
]
