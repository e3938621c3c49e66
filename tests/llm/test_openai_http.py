"""The HTTP backend against the fault server on 127.0.0.1: every failure maps to its typed error."""

from __future__ import annotations

import time
from collections.abc import Callable
from email.utils import formatdate

import pytest
from pydantic import BaseModel

from hadron.errors import ConfigError
from hadron.llm import (
    Disconnected,
    MalformedResponse,
    ModelHub,
    RateLimited,
    Rejected,
    RetriesExhausted,
    ServerError,
    Timeout,
    parse_spec,
)
from hadron.llm.backends.openai_http import OpenAIHTTPBackend, parse_completion, retry_after
from hadron.testing import FaultServer, expected_reply

Serve = Callable[..., FaultServer]


class Ranking(BaseModel):
    order: list[int]
    reason: str


async def test_answers_and_usage_come_back(serve: Serve) -> None:
    server = serve()
    async with ModelHub() as hub:
        completion = await hub.get(server.spec()).chat("hello", temperature=0.2, max_tokens=20, seed=7)
    assert completion.text == expected_reply("hello")
    assert completion.finish_reason == "stop" and completion.usage.completion_tokens == 1
    assert completion.served_by == server.spec() and completion.attempts == 1
    body = server.chat_requests()[0].body
    assert body is not None
    sent = (body["model"], body["temperature"], body["max_tokens"], body["seed"])
    assert sent == ("fault-model", 0.2, 20, 7)
    assert "sample_index" not in body


@pytest.mark.parametrize(("kind", "error"), [
    ("rate_limit", RateLimited), ("rate_limit_bare", RateLimited), ("unavailable", ServerError),
    ("server_error", ServerError), ("hang", Timeout), ("reset", Disconnected),
    ("truncated", Disconnected), ("malformed", MalformedResponse), ("empty_choices", MalformedResponse),
])
async def test_each_fault_maps_to_its_error(serve: Serve, kind: str, error: type[Exception]) -> None:
    server = serve(faults={kind: 1.0}, retry_after_s=2)
    async with ModelHub() as hub:
        model = hub.get(parse_spec(server.spec(), max_retries=0, timeout_s=0.3 if kind == "hang" else 10))
        with pytest.raises(RetriesExhausted) as info:
            await model.chat("x")
    assert type(info.value.last) is error
    if kind == "rate_limit":
        assert isinstance(info.value.last, RateLimited) and info.value.last.retry_after == 2.0


@pytest.mark.parametrize(("status", "hint"), [
    (400, None), (401, "check the API key in $HADRON_TEST_KEY"), (404, "check the model name / base URL"),
    (422, None),
])
async def test_rejections_fail_fast_with_one_request(serve: Serve, monkeypatch: pytest.MonkeyPatch,
                                                     status: int, hint: str | None) -> None:
    monkeypatch.setenv("HADRON_TEST_KEY", "sk-test-123")
    server = serve(status=status)
    async with ModelHub() as hub:
        model = hub.get(parse_spec(server.spec(), api_key_env="HADRON_TEST_KEY", backoff_s=0.0))
        with pytest.raises(Rejected) as info:
            await model.chat("x")
    assert info.value.status == status and info.value.hint == hint
    assert len(server.chat_requests()) == 1
    assert server.chat_requests()[0].headers["Authorization"] == "Bearer sk-test-123"
    assert "sk-test-123" not in str(info.value)


def test_missing_api_key_variable_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        OpenAIHTTPBackend(parse_spec("openai:gpt-4o-mini"))


async def test_unreachable_port_is_disconnected(free_port: int) -> None:
    async with ModelHub() as hub:
        with pytest.raises(RetriesExhausted) as info:
            await hub.get(parse_spec(f"http://127.0.0.1:{free_port}/v1#m", max_retries=0)).chat("x")
    assert isinstance(info.value.last, Disconnected)


@pytest.mark.parametrize("mode", ["think", "field"])
async def test_reasoning_is_split_over_the_wire(serve: Serve, mode: str) -> None:
    server = serve(reasoning=mode)
    async with ModelHub() as hub:
        completion = await hub.get(server.spec()).chat("why?")
    assert completion.text == expected_reply("why?")
    assert completion.reasoning is not None and completion.reasoning.startswith("thinking about")


async def test_chat_json_uses_the_schema_path(serve: Serve) -> None:
    server = serve()
    async with ModelHub() as hub:
        model = hub.get(server.spec())
        assert model.supports_schema and model.supports_tools
        result = await model.chat_json("rank", Ranking)
    assert result.value is not None and result.reasks == 0
    assert result.value.reason == expected_reply("rank")
    body = server.chat_requests()[0].body
    assert body is not None and body["response_format"]["json_schema"]["name"] == "Ranking"


def test_parse_completion_reads_tool_calls_and_reasoning_field() -> None:
    body = b'''{"model": "m", "choices": [{"finish_reason": "tool_calls", "message": {"content": null,
      "reasoning": "plan", "tool_calls": [{"id": "c1", "type": "function",
      "function": {"name": "search", "arguments": "{\\"q\\": 1}"}}]}}],
      "usage": {"prompt_tokens": 5, "completion_tokens": 3}}'''
    completion = parse_completion(body, "m", "spec")
    assert completion.text == "" and completion.reasoning == "plan"
    assert completion.tool_calls is not None and completion.tool_calls[0]["function"]["name"] == "search"
    assert (completion.usage.prompt_tokens, completion.usage.completion_tokens) == (5, 3)
    assert completion.finish_reason == "tool_calls"


@pytest.mark.parametrize("body", [b"[]", b'{"choices": null}', b'{"choices": [{"text": "x"}]}', b"<html>"])
def test_parse_completion_rejects_odd_bodies(body: bytes) -> None:
    with pytest.raises(MalformedResponse):
        parse_completion(body, "m", "spec")


def test_retry_after_reads_seconds_dates_and_millis() -> None:
    assert retry_after({"Retry-After": "3"}) == 3.0
    assert retry_after({"Retry-After": "0.5"}) == 0.5
    assert retry_after({"retry-after-ms": "250", "Retry-After": "9"}) == 0.25
    assert 8 <= (retry_after({"Retry-After": formatdate(time.time() + 10, usegmt=True)}) or 0) <= 10
    assert retry_after({"Retry-After": formatdate(time.time() - 10, usegmt=True)}) == 0.0
    assert retry_after({"Retry-After": "soon"}) is None
    assert retry_after({}) is None


def test_the_servers_own_error_message_is_quoted_on_one_line() -> None:
    from hadron.llm.backends.openai_http import _error_detail

    openai = b'{"error": {"message": "Invalid model", "type": "invalid_request_error"}}'
    google = b'[{"error": {"code": 400, "message": "Request contains an invalid argument.", "status": "X"}}]'
    assert _error_detail(openai) == ": Invalid model"
    assert _error_detail(google) == ": Request contains an invalid argument."  # before: the whole list
    assert _error_detail(b"Traceback:\n  line 1\n boom") == ": Traceback: line 1 boom"
    assert _error_detail(b"") == ""
