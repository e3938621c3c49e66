"""Pin the public surface: adding or removing a name must be a deliberate edit here."""

from __future__ import annotations

import hadron.llm
import hadron.testing


def test_llm_exports() -> None:
    assert hadron.llm.__all__ == [
        "Backend", "ChatModel", "ChatRequest", "Client", "Completion", "Disconnected", "LLMError",
        "MalformedResponse", "Message", "Meter", "ModelConfig", "ModelHub", "Pool", "PoolConfig",
        "PoolMember", "RateLimited", "Rejected", "RetriesExhausted", "ServerError", "Structured", "Tally",
        "Timeout", "TokenUsage", "TransientError", "extract_json", "parse_spec", "register_backend",
        "split_reasoning",
    ]
    assert all(hasattr(hadron.llm, name) for name in hadron.llm.__all__)


def test_testing_exports() -> None:
    assert hadron.testing.__all__ == [
        "FAULT_KINDS", "FaultServer", "RecordedRequest", "ScriptedBackend", "expected_reply",
        "register_scripted", "serve_local", "unregister_scripted",
    ]
    assert all(hasattr(hadron.testing, name) for name in hadron.testing.__all__)
