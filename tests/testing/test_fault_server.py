"""The fault server is itself a contract (issue 9 reuses it): check it with a plain HTTP client."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from typing import Any

import aiohttp
import pytest

from hadron.errors import ConfigError
from hadron.testing import FAULT_KINDS, FaultServer, expected_reply
from hadron.testing.answers import value_for_schema


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with FaultServer(model="m") as running:
        yield running


def body(text: str, **extra: Any) -> dict[str, Any]:
    return {"model": "m", "messages": [{"role": "user", "content": text}], **extra}


async def post(url: str, payload: dict[str, Any]) -> tuple[int, Any]:
    async with aiohttp.ClientSession() as session, session.post(f"{url}/chat/completions",
                                                                json=payload) as response:
        return response.status, await response.json(content_type=None)


async def test_answers_are_functions_of_the_request(server: FaultServer) -> None:
    status, data = await post(server.base_url, body("hi"))
    assert status == 200 and data["choices"][0]["message"]["content"] == expected_reply("hi")
    assert data["usage"]["completion_tokens"] == 1
    record = server.chat_requests()[0]
    assert record.body == body("hi") and record.fault is None


async def test_models_endpoint(server: FaultServer) -> None:
    async with aiohttp.ClientSession() as session, session.get(f"{server.base_url}/models") as response:
        data = await response.json()
    assert [m["id"] for m in data["data"]] == ["m"]


async def test_json_schema_answers_are_valid(server: FaultServer) -> None:
    schema = {"type": "object", "properties": {"best": {"type": "integer", "minimum": 1},
                                               "tags": {"type": "array", "items": {"type": "string"}},
                                               "kind": {"enum": ["a", "b"]}}}
    fmt = {"type": "json_schema", "json_schema": {"name": "x", "schema": schema}}
    _, data = await post(server.base_url, body("q", response_format=fmt))
    value = json.loads(data["choices"][0]["message"]["content"])
    assert value == {"best": 1, "tags": [expected_reply("q")], "kind": "a"}


def test_value_for_schema_follows_refs() -> None:
    schema = {"$defs": {"Item": {"type": "object", "properties": {"n": {"type": "number"}}}},
              "type": "object", "properties": {"items": {"type": "array", "items": {"$ref": "#/$defs/Item"},
                                                         "minItems": 2},
                                               "note": {"anyOf": [{"type": "string"}, {"type": "null"}]}}}
    assert value_for_schema(schema, "t") == {"items": [{"n": 0}, {"n": 0}], "note": "t"}


async def test_fault_schedule_is_deterministic_whatever_the_order() -> None:
    rates = dict.fromkeys(FAULT_KINDS[:4], 0.1)
    seen = []
    for order in (range(40), reversed(range(40))):
        with FaultServer(faults=rates, seed=5) as running:
            for i in order:
                await post(running.base_url, body(f"q{i}"))
            seen.append(sorted((r.body["messages"][0]["content"], r.fault)  # type: ignore[index]
                               for r in running.chat_requests()))
    assert seen[0] == seen[1] and any(fault for _, fault in seen[0])


async def test_latency_and_concurrency_cap() -> None:
    with FaultServer(latency_s=0.1, max_concurrency=2) as running:
        start = time.monotonic()
        await asyncio.gather(*(post(running.base_url, body(f"q{i}")) for i in range(4)))
        assert 0.2 <= time.monotonic() - start < 0.6


async def test_tokens_per_second_paces_generation() -> None:
    with FaultServer(tokens_per_s=100, reply_words=19) as running:
        start = time.monotonic()
        _, data = await post(running.base_url, body("q"))
        assert data["usage"]["completion_tokens"] == 20
        assert time.monotonic() - start >= 0.2


async def test_fixed_status_and_bad_bodies(server: FaultServer) -> None:
    status, _ = await post(server.base_url, {"nope": 1})
    assert status == 400
    with FaultServer(status=404) as failing:
        status, data = await post(failing.base_url, body("x"))
    assert status == 404 and "404" in data["error"]["message"]


def test_bad_fault_settings_are_refused() -> None:
    with pytest.raises(ConfigError):
        FaultServer(faults={"gremlins": 0.1})
    with pytest.raises(ConfigError):
        FaultServer(faults={"hang": 0.7, "reset": 0.7})


def test_the_openai_sdk_talks_to_it(server: FaultServer) -> None:
    openai = pytest.importorskip("openai")
    client = openai.OpenAI(base_url=server.base_url, api_key="unused", max_retries=0)
    reply = client.chat.completions.create(model="m", messages=[{"role": "user", "content": "sdk"}])
    assert reply.choices[0].message.content == expected_reply("sdk")
    assert [m.id for m in client.models.list()] == ["m"]
