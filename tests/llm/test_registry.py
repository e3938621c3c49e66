from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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


async def test_third_party_backends_come_through_entry_points(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "hadron_echo_plugin.py").write_text(
        "from hadron.llm import Completion\n"
        "class EchoBackend:\n"
        "    supports_schema = supports_tools = False\n"
        "    def __init__(self, config):\n"
        "        self.endpoint = 'echo'\n"
        "    async def complete(self, request):\n"
        "        return Completion(text='echo ' + request.messages[-1]['content'], model=request.model)\n"
        "    async def aclose(self):\n"
        "        pass\n"
    )
    dist = tmp_path / "hadron_echo_plugin-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: hadron-echo-plugin\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text("[hadron.backends]\necho = hadron_echo_plugin:EchoBackend\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        assert "echo" in known_schemes()
        async with ModelHub() as hub:
            assert (await hub.get("echo:m").chat("hi")).text == "echo hi"
    finally:
        _FACTORIES.pop("echo", None)
