"""Test doubles that are public API: scripted models and a fault-injecting OpenAI-compatible server."""

from __future__ import annotations

from hadron.testing.answers import expected_reply
from hadron.testing.fault_server import FAULT_KINDS, FaultServer, RecordedRequest
from hadron.testing.local_server import serve_llama_cpp, serve_local
from hadron.testing.scripted import ScriptedBackend, register_scripted, unregister_scripted

__all__ = [
    "FAULT_KINDS",
    "FaultServer",
    "RecordedRequest",
    "ScriptedBackend",
    "expected_reply",
    "register_scripted",
    "serve_llama_cpp",
    "serve_local",
    "unregister_scripted",
]
