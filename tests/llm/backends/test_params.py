"""A model that refuses request fields (OpenAI's reasoning models: ``max_tokens``, a non-default
``temperature``) is asked without them, once learned, against a real HTTP server answering as OpenAI does."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import pytest
from pydantic import BaseModel

from hadron.llm import ModelHub
from hadron.llm.backends.params import refused_param
from hadron.llm.errors import Rejected
from hadron.testing import FaultServer

Serve = Callable[..., FaultServer]
REASONING_MODEL = {"max_tokens": "unsupported_parameter", "temperature": "unsupported_value"}


class Verdict(BaseModel):
    winner: int


def sent(server: FaultServer) -> list[dict[str, Any]]:
    return [{k: v for k, v in r.body.items() if k not in ("messages", "model")}
            for r in server.chat_requests() if r.body]


async def test_refused_fields_are_renamed_or_left_out_once_for_the_run(
        serve: Serve, caplog: pytest.LogCaptureFixture) -> None:
    """Before: every call failed with HTTP 400 (max_tokens), so every row of a run on such a model did."""
    server = serve(unsupported=REASONING_MODEL)
    async with ModelHub() as hub:
        model = hub.get(server.spec())
        with caplog.at_level(logging.WARNING, logger="hadron.llm"):
            first = await model.chat("q0", max_tokens=64, temperature=0.7, seed=3)
            second = await model.chat("q1", max_tokens=32, temperature=0.2)
        assert first.text and second.text
        assert sent(server) == [{"max_tokens": 64, "temperature": 0.7, "seed": 3},
                                {"max_completion_tokens": 64, "temperature": 0.7, "seed": 3},
                                {"max_completion_tokens": 64, "seed": 3},
                                {"max_completion_tokens": 32}]  # later calls: straight in the learned form
        assert hub.meter.total.errors == 0
        assert hub.structured_choices() == {server.spec(): {"params": {
            "renamed": {"max_tokens": "max_completion_tokens"}, "dropped": ["temperature"]}}}  # -> stats.json
    lines = [r.getMessage() for r in caplog.records if "does not take" in r.getMessage()]
    assert len(lines) == 2 and "max_completion_tokens" in lines[0] and "temperature=0.7" in lines[1]


async def test_structured_output_still_goes_through_negotiation(serve: Serve) -> None:
    server = serve(unsupported=REASONING_MODEL)
    async with ModelHub() as hub:
        result = await hub.get(server.spec()).chat_json("pick", Verdict, max_tokens=64, temperature=0.0)
        assert result.ok
        assert all("response_format" in body for body in sent(server))  # json_schema kept, not dropped


async def test_a_field_that_cannot_be_left_out_keeps_its_error(serve: Serve) -> None:
    server = serve(unsupported={"tools": "unsupported_parameter"})
    tools = [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}]
    async with ModelHub() as hub:
        with pytest.raises(Rejected, match=r"HTTP 400.*Unsupported parameter: 'tools'"):
            await hub.get(server.spec()).chat("q", tools=tools)
    assert len(server.chat_requests()) == 1


def test_the_refused_field_is_read_from_openai_errors_and_proxies() -> None:
    message = "Unsupported parameter: 'max_tokens' is not supported with this model."
    openai = {"error": {"message": f"{message} Use 'max_completion_tokens' instead.",
                        "type": "invalid_request_error", "param": "max_tokens",
                        "code": "unsupported_parameter"}}
    proxy = {"error": {"message": message, "code": "invalid_request_body"}}  # the structured fields lost
    other = {"error": {"message": "context length exceeded", "param": "messages"}}
    assert refused_param(400, json.dumps(openai).encode()) == "max_tokens"
    assert refused_param(400, json.dumps(proxy).encode()) == "max_tokens"
    assert refused_param(400, json.dumps(other).encode()) is None
    assert refused_param(500, json.dumps(openai).encode()) is None and refused_param(400, b"not json") is None


async def test_a_server_forbidding_extra_fields_is_asked_without_them(serve: Serve) -> None:
    """Mistral's API answers OpenAI fields it does not take with HTTP 422 ``extra_forbidden`` (the fault
    server plays it for ``seed``; public threads show it for ``n``, ``frequency_penalty``, ...)."""
    server = serve(unsupported={"seed": "extra_forbidden"})
    async with ModelHub() as hub:
        result = await hub.get(server.spec()).chat_json("pick", Verdict, max_tokens=64, seed=5)
        assert result.ok  # a 422 to a request with a format is not read as a refusal of the format
        assert ["seed" in body for body in sent(server)] == [True, False]
        assert hub.structured_choices()[server.spec()]["mode"] == "json_schema"


def test_extra_forbidden_is_read_in_the_shapes_servers_use() -> None:
    def detail(*loc: object) -> list[dict[str, object]]:
        return [{"type": "extra_forbidden", "loc": list(loc), "msg": "Extra inputs are not permitted"}]

    mistral = {"object": "error", "message": {"detail": detail("body", "n")}, "type": "invalid_request_error"}
    mistral_2024 = {"object": "error", "message": json.dumps({"detail": detail("body", "frequency_penalty")})}
    fastapi = {"detail": detail("body", "seed")}
    nested = {"message": {"detail": detail("body", "messages", 0, "user", "name")}}  # not a top-level field
    bodies = (mistral, mistral_2024, fastapi, nested)
    assert [refused_param(422, json.dumps(body).encode()) for body in bodies] == ["n", "frequency_penalty",
                                                                                  "seed", None]
