from __future__ import annotations

import subprocess
import sys

import pytest

from hadron.errors import ConfigError
from hadron.llm import ChatRequest, Completion, ModelConfig, ModelHub, parse_spec, register_backend
from hadron.llm.registry import _FACTORIES, backend_factory, known_schemes


class UpperBackend:
    supports_schema = False
    supports_tools = False

    def __init__(self, config: ModelConfig) -> None:
        self.endpoint = f"upper:{config.model}"

    async def complete(self, request: ChatRequest) -> Completion:
        return Completion(text=str(request.messages[-1]["content"]).upper(), model=request.model)

    async def aclose(self) -> None:
        pass


async def test_a_registered_scheme_is_a_spec_and_a_backend() -> None:
    register_backend("upper", UpperBackend)
    try:
        assert "upper" in known_schemes()
        assert parse_spec("upper:any").backend == "upper"
        async with ModelHub() as hub:
            assert (await hub.get("upper:any").chat("shout")).text == "SHOUT"
    finally:
        _FACTORIES.pop("upper", None)


def test_unknown_backend_names_the_known_ones() -> None:
    with pytest.raises(ConfigError, match=r"known backends: .*http.*local.*scripted"):
        backend_factory("nosuch")


def test_hadron_imports_without_the_local_backend() -> None:
    code = ("import sys, hadron.llm; from hadron.llm import parse_spec; parse_spec('local'); "
            "assert 'hadron.llm.backends.local' not in sys.modules; "
            "assert 'llama_cpp' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)
