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
        "register_scripted", "serve_llama_cpp", "serve_local", "unregister_scripted",
    ]
    assert all(hasattr(hadron.testing, name) for name in hadron.testing.__all__)


def test_top_level_exports() -> None:
    import hadron

    assert hadron.__all__ == [
        "AutoReason", "AutoReasonConfig", "ConfigError", "Generate", "HadronError",
        "InputError", "ModelConfig", "ModelHub", "Pipeline", "PoolConfig", "Reject", "SourceConfig", "Step",
        "__version__", "export_run", "load_pipeline", "open_source", "refine", "register_step",
        "write_dataset_card", "write_report",
    ]
    assert all(hasattr(hadron, name) for name in hadron.__all__)


def test_importing_hadron_stays_light() -> None:
    import subprocess
    import sys

    heavy = ("llama_cpp", "hadron.runtime", "pyarrow")
    code = f"import sys, hadron; print(any(m.startswith({heavy!r}) for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
