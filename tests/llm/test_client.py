"""The client path end to end through the public test double (no patching)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from pydantic import BaseModel

from hadron.errors import ConfigError
from hadron.llm import ChatRequest, Completion, ModelHub, Rejected, RetriesExhausted, ServerError
from hadron.llm.config import parse_spec
from hadron.testing import ScriptedBackend

Script = Callable[..., ScriptedBackend]


class Verdict(BaseModel):
    winner: int
    reason: str


async def test_chat_round_trip_fills_model_and_meters(script: Script) -> None:
    backend = script("echo", lambda r: "echo: " + r.messages[-1]["content"])
    async with ModelHub(prices={"echo": (1.0, 2.0)}) as hub:
        model = hub.get("scripted:echo")
        assert hub.get("scripted:echo") is model
        completion = await model.chat("hi", role="critic", route_key="row-1")
        assert completion.text == "echo: hi"
        assert completion.served_by == "scripted:echo"
        assert backend.calls[0].model == "echo"
        tally = hub.meter.by_role()["critic"]
        assert (tally.calls, tally.retries, tally.cache_hits) == (1, 0, 0)
        assert tally.cost_usd == pytest.approx((completion.usage.prompt_tokens * 1 +
                                                completion.usage.completion_tokens * 2) / 1e6)
        assert hub.meter.pop_row("row-1").calls == 1
        assert hub.meter.row("row-1").calls == 0


async def test_transient_errors_are_retried_and_counted(script: Script) -> None:
    failures = iter([ServerError("boom", status=503), ServerError("boom", status=500)])

    def flaky(request: ChatRequest) -> str:
        for error in failures:
            raise error
        return "ok"

    script("flaky", flaky)
    async with ModelHub() as hub:
        config = parse_spec("scripted:flaky", backoff_s=0.01)
        completion = await hub.get(config).chat("x", role="r")
        assert completion.text == "ok" and completion.attempts == 3
        assert hub.meter.by_role()["r"].retries == 2


async def test_exhausted_retries_raise_and_are_metered(script: Script) -> None:
    def down(request: ChatRequest) -> str:
        raise ServerError("down", status=503)

    backend = script("down", down)
    async with ModelHub() as hub:
        model = hub.get(parse_spec("scripted:down", max_retries=2, backoff_s=0.0))
        with pytest.raises(RetriesExhausted) as info:
            await model.chat("x", role="r")
        assert info.value.attempts == 3 and isinstance(info.value.last, ServerError)
        assert len(backend.calls) == 3
        tally = hub.meter.by_role()["r"]
        assert (tally.errors, tally.retries) == (1, 2)


async def test_rejected_is_not_retried(script: Script) -> None:
    def bad(request: ChatRequest) -> str:
        raise Rejected("bad request", status=400)

    backend = script("bad", bad)
    async with ModelHub() as hub:
        with pytest.raises(Rejected):
            await hub.get("scripted:bad").chat("x")
    assert len(backend.calls) == 1


async def test_cache_replays_answers_across_hubs(script: Script, tmp_path: Path) -> None:
    backend = script("count", lambda r: f"answer {len(r.messages)}")
    for _ in range(2):
        async with ModelHub(cache_path=tmp_path / "cache.sqlite") as hub:
            first = await hub.get("scripted:count").chat("q", temperature=0.5, sample_index=0)
            other = await hub.get("scripted:count").chat("q", temperature=0.5, sample_index=1)
            assert first.text == other.text == "answer 1"
    assert len(backend.calls) == 2  # the second hub answered both from the cache
    assert first.cached and other.cached
    assert hub.meter.total.cache_hits == 2 and hub.meter.total.requests == 0


async def test_chat_json_reasks_with_the_validation_error(script: Script) -> None:
    backend = script("json", ["no idea", 'Sure! ```json\n{"winner": 2, "reason": "clearer"}\n```'])
    async with ModelHub() as hub:
        result = await hub.get("scripted:json").chat_json("judge", Verdict, role="judge")
        assert result.value == Verdict(winner=2, reason="clearer")
        assert result.reasks == 1 and len(result.completions) == 2 and result.error is None
        assert hub.meter.by_role()["judge"].reasks == 1
    reask = backend.calls[1].messages[-1]["content"]
    assert "no JSON object found" in reask and '"winner"' in reask
    assert backend.calls[0].response_format is None  # no schema support: parse-and-re-ask


async def test_chat_json_gives_up_without_raising(script: Script) -> None:
    script("junk", lambda r: '{"winner": "first"}')
    async with ModelHub() as hub:
        result = await hub.get("scripted:junk").chat_json("judge", Verdict, max_reasks=2)
    assert result.value is None and result.reasks == 2 and len(result.completions) == 3
    assert result.error is not None and "winner" in result.error


async def test_chat_json_sends_the_schema_when_supported(script: Script) -> None:
    backend = script("schema", lambda r: '{"winner": 1, "reason": "r"}', supports_schema=True)
    async with ModelHub() as hub:
        result = await hub.get("scripted:schema").chat_json("judge", Verdict)
    assert result.value == Verdict(winner=1, reason="r") and result.reasks == 0
    fmt = backend.calls[0].response_format
    assert fmt is not None and fmt["type"] == "json_schema"
    assert fmt["json_schema"]["name"] == "Verdict"
    assert fmt["json_schema"]["schema"]["required"] == ["winner", "reason"]


async def test_reasoning_is_split_from_scripted_text(script: Script) -> None:
    script("think", lambda r: "<think>step 1</think>The answer is 4.")
    async with ModelHub() as hub:
        completion = await hub.get("scripted:think").chat("2+2?")
    assert (completion.text, completion.reasoning) == ("The answer is 4.", "step 1")


async def test_completion_replies_pass_through(script: Script) -> None:
    reply = Completion(text="t", model="m", tool_calls=[{"id": "1", "type": "function",
                                                         "function": {"name": "f", "arguments": "{}"}}])
    script("tools", lambda r: reply)
    async with ModelHub() as hub:
        completion = await hub.get("scripted:tools").chat("x")
    assert completion.tool_calls == reply.tool_calls and reply.served_by == ""


async def test_unknown_scripted_name_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="no scripted model named 'nobody'"):
        ModelHub().get("scripted:nobody")


async def test_an_answer_the_caller_refuses_is_neither_stored_nor_replayed(script: Script,
                                                                           tmp_path: Path) -> None:
    """A retry really retries: an empty answer (refused by ``accept``) is asked again on the next run,
    a usable one replays from the SQLite cache."""
    replies = iter(["", "a real answer"])
    backend = script("flaky-empty", lambda request: next(replies))
    cache = tmp_path / "cache.sqlite"

    def has_text(completion: Completion) -> bool:
        return bool(completion.text.strip())

    for expected, calls in (("", 1), ("a real answer", 2), ("a real answer", 2)):
        async with ModelHub(cache_path=cache) as hub:
            answer = await hub.get("scripted:flaky-empty").chat("hi", seed=1, accept=has_text)
        assert (answer.text, len(backend.calls)) == (expected, calls)


async def test_chat_json_never_replays_an_answer_that_does_not_validate(script: Script,
                                                                        tmp_path: Path) -> None:
    replies = iter(["not json", "still not", "nope", '{"winner": 1, "reason": "ok"}'])
    backend = script("bad-json", lambda request: next(replies))
    cache = tmp_path / "cache.sqlite"
    async with ModelHub(cache_path=cache) as hub:
        first = await hub.get("scripted:bad-json").chat_json("pick", Verdict, max_reasks=0, seed=3)
    assert first.value is None and len(backend.calls) == 1
    async with ModelHub(cache_path=cache) as hub:  # the rerun asks again (the bad reply is not cached)
        second = await hub.get("scripted:bad-json").chat_json("pick", Verdict, max_reasks=0, seed=3)
    assert second.value is None and len(backend.calls) == 2
