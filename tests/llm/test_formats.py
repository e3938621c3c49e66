"""Structured-output negotiation against a real HTTP server that refuses formats the way real ones do."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import pytest
from pydantic import BaseModel

from hadron.llm import ModelHub
from hadron.llm.config import parse_spec
from hadron.llm.errors import FormatRefused, Rejected
from hadron.testing import FaultServer
from hadron.testing.fault_server import structured_mode

Serve = Callable[..., FaultServer]


class Verdict(BaseModel):
    winner: int
    reason: str


def modes_sent(server: FaultServer) -> list[str | None]:
    return [structured_mode(r.body) for r in server.chat_requests() if r.body]


def json_reply(body: dict[str, Any]) -> str:
    return 'Sure: {"winner": 2, "reason": "clearer"}'


async def test_llama_cpp_python_500_moves_to_json_object_once(serve: Serve,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    """llama-cpp-python answers a json_schema request with HTTP 500 naming response_format: that is a
    refusal (asked once, never retried), and every later call goes straight to json_object."""
    server = serve(refuse={"json_schema": 500})
    async with ModelHub() as hub:
        model = hub.get(server.spec())
        with caplog.at_level(logging.WARNING, logger="hadron.llm"):
            results = [await model.chat_json(f"pick {i}", Verdict, route_key=str(i)) for i in range(3)]
        assert all(r.ok and r.reasks == 0 for r in results)
        assert modes_sent(server) == ["json_schema", "json_object", "json_object", "json_object"]
        assert hub.meter.total.retries == 0 and hub.meter.total.errors == 0
        assert hub.structured_choices() == {server.spec(): {
            "mode": "json_object", "how": "negotiated", "refused": ["json_schema"]}}
    downgrades = [r for r in caplog.records if "refused structured output" in r.getMessage()]
    assert len(downgrades) == 1 and "\n" not in downgrades[0].getMessage()
    assert "HTTP 500" in downgrades[0].getMessage()


async def test_every_refusal_walks_the_order_down_to_prompted_json(serve: Serve) -> None:
    pytest.importorskip("llama_cpp")  # the grammar mode converts the schema with llama.cpp's converter
    server = serve(refuse={"json_schema": 400, "json_object": 422, "grammar": 400}, reply=json_reply)
    async with ModelHub() as hub:
        result = await hub.get(server.spec()).chat_json("pick", Verdict)
        assert result.value == Verdict(winner=2, reason="clearer")
        assert modes_sent(server) == ["json_schema", "json_object", "grammar", None]
        grammar = next(r.body for r in server.chat_requests() if r.body and "grammar" in r.body)
        assert "winner" in grammar["grammar"]
        assert hub.structured_choices()[server.spec()]["mode"] == "none"


async def test_concurrent_refusals_downgrade_once(serve: Serve, caplog: pytest.LogCaptureFixture) -> None:
    import asyncio

    server = serve(refuse={"json_schema": 400}, latency_s=0.05)
    async with ModelHub() as hub:
        model = hub.get(server.spec())
        with caplog.at_level(logging.WARNING, logger="hadron.llm"):
            results = await asyncio.gather(*(model.chat_json(f"q{i}", Verdict) for i in range(8)))
    assert all(r.ok for r in results)
    assert len([r for r in caplog.records if "refused structured output" in r.getMessage()]) == 1
    assert modes_sent(server).count("json_object") == 8


async def test_a_request_rejected_in_every_mode_leaves_the_mode_as_it_was(serve: Serve) -> None:
    """A 400 about the request itself (a prompt over the context) is not a refusal of the format: once
    even prompted JSON is rejected, the call fails with the server's error and later calls still ask in
    json_schema (before: the one bad request walked the whole run down to prompted JSON)."""
    pytest.importorskip("llama_cpp")
    server = serve(status=400)
    async with ModelHub() as hub:
        model = hub.get(server.spec())
        with pytest.raises(Rejected, match="HTTP 400") as caught:
            await model.chat_json("a prompt over the context", Verdict)
        assert not isinstance(caught.value, FormatRefused)
        assert modes_sent(server) == ["json_schema", "json_object", "grammar", None]
        assert hub.structured_choices()[server.spec()] == {"mode": "json_schema", "how": "negotiated",
                                                           "refused": []}
        server.status = None
        server.clear()
        assert (await model.chat_json("pick", Verdict)).ok
        assert modes_sent(server) == ["json_schema"]


async def test_a_400_in_a_mode_that_answered_before_is_not_a_refusal(serve: Serve) -> None:
    server = serve()
    async with ModelHub() as hub:
        model = hub.get(server.spec())
        assert (await model.chat_json("pick", Verdict)).ok
        server.status = 400
        with pytest.raises(Rejected, match="HTTP 400"):
            await model.chat_json("a prompt over the context", Verdict)
        assert modes_sent(server) == ["json_schema", "json_schema"]  # asked once, not walked down
        assert hub.structured_choices()[server.spec()]["mode"] == "json_schema"


async def test_a_pinned_mode_is_sent_as_is_and_its_refusal_stands(serve: Serve) -> None:
    server = serve(refuse={"json_object": 400})
    async with ModelHub() as hub:
        config = parse_spec(server.spec(), structured="json_object")
        with pytest.raises(FormatRefused, match="HTTP 400"):
            await hub.get(config).chat_json("pick", Verdict)
        assert modes_sent(server) == ["json_object"]  # not retried, not downgraded


async def test_pinned_none_sends_no_format_and_reasks(serve: Serve) -> None:
    answers = iter(["no idea", '{"winner": 1, "reason": "ok"}'])
    server = serve(reply=lambda body: next(answers))
    async with ModelHub() as hub:
        result = await hub.get(parse_spec(server.spec(), structured="none")).chat_json("pick", Verdict)
        assert result.value == Verdict(winner=1, reason="ok") and result.reasks == 1
        assert modes_sent(server) == [None, None]
        assert hub.structured_choices()[server.spec()]["how"] == "config"


def test_an_unknown_structured_value_is_a_config_error() -> None:
    from hadron.errors import ConfigError

    with pytest.raises(ConfigError, match="structured"):
        parse_spec("http://127.0.0.1:1/v1#m", structured="xml")


async def test_a_200_that_is_not_a_chat_completion_is_retried_then_named(serve: Serve) -> None:
    from hadron.llm.errors import RetriesExhausted

    server = serve(faults={"not_completion": 1.0})
    async with ModelHub() as hub:
        config = parse_spec(server.spec(), max_retries=2, backoff_s=0.0)
        with pytest.raises(RetriesExhausted) as caught:
            await hub.get(config).chat("hello")
    message = str(caught.value)
    assert len(server.chat_requests()) == 3 and "\n" not in message
    assert server.base_url in message and "not a chat completion" in message
    assert type(caught.value.last).__name__ == "MalformedResponse"


@pytest.mark.parametrize("reasoning", ["field", "think"])
async def test_a_reasoning_model_out_of_budget_is_asked_again_with_double(serve: Serve,
                                                                          reasoning: str) -> None:
    server = serve(reasoning=reasoning, think_tokens=100)
    async with ModelHub() as hub:
        completion = await hub.get(server.spec()).chat("explain", max_tokens=64, role="teacher")
        assert completion.text and completion.reasoning and completion.finish_reason == "stop"
        budgets = [r.body["max_tokens"] for r in server.chat_requests() if r.body]
        assert budgets == [64, 128]
        assert completion.reasks == 1 and hub.meter.by_role()["teacher"].reasks == 1
        assert hub.meter.total.completion_tokens == completion.usage.completion_tokens > 64


async def test_the_thinking_cap_bounds_the_re_asks(serve: Serve) -> None:
    server = serve(reasoning="field", think_tokens=1000)
    async with ModelHub() as hub:
        config = parse_spec(server.spec(), thinking_max_tokens=200)
        completion = await hub.get(config).chat("explain", max_tokens=64)
    assert [r.body["max_tokens"] for r in server.chat_requests() if r.body] == [64, 128, 200]
    assert completion.text == "" and completion.truncated and completion.reasks == 2


async def test_cache_replays_carry_the_original_cost_as_saved(serve: Serve, tmp_path: Any) -> None:
    server = serve()
    config = parse_spec(server.spec(), price_in_per_mtok=1.0, price_out_per_mtok=2.0)
    async with ModelHub(cache_path=tmp_path / "cache.sqlite") as hub:
        first = await hub.get(config).chat("hi", role="r")
        paid = hub.meter.total
    async with ModelHub(cache_path=tmp_path / "cache.sqlite") as hub:
        again = await hub.get(config).chat("hi", role="r")
        replay = hub.meter.total
    assert again.cached and len(server.chat_requests()) == 1
    assert (replay.prompt_tokens, replay.completion_tokens) == (paid.prompt_tokens, paid.completion_tokens)
    assert replay.cost_usd == paid.cost_usd == first.cost_usd > 0
    assert replay.saved_usd == replay.cost_usd and replay.paid_usd == 0


async def test_unknown_prices_are_na_and_table_prices_are_used(serve: Serve) -> None:
    from hadron.llm.accounting import cost_text
    from hadron.llm.prices import model_prices

    pytest.importorskip("genai_prices")
    assert model_prices(parse_spec("openai:gpt-4o-mini")) == pytest.approx((0.15, 0.6))
    assert model_prices(parse_spec("local")) == (0.0, 0.0)
    server = serve()
    async with ModelHub() as hub:
        await hub.get(server.spec()).chat("hi")
        total = hub.meter.total
    assert total.unpriced == 1 and cost_text(total.cost_usd, total.unpriced) == "n/a"
    assert json.dumps(total.to_dict())  # serializable for stats.json


def test_an_unknown_structured_value_in_a_pipeline_names_file_and_line(tmp_path: Any) -> None:
    import subprocess
    import sys

    (tmp_path / "one.jsonl").write_text('{"id": "a", "prompt": "hi"}\n')
    (tmp_path / "p.yaml").write_text("source: {path: one.jsonl}\nsteps:\n  - step: generate\n    model:\n"
                                     "      spec: 'http://127.0.0.1:1/v1#m'\n      structured: xml\n")
    done = subprocess.run([sys.executable, "-c", "from hadron.cli import main; main()", "run", "p.yaml",
                           "--out", "run"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "p.yaml:6: steps[0].model.structured:" in done.stderr and "Traceback" not in done.stderr
