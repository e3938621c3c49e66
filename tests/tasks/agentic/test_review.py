"""The review loop with a scripted reviewer: accept, refine then accept, discard; feedback stays hidden."""

from __future__ import annotations

import json
from collections.abc import Callable

from hadron.llm import ModelHub
from hadron.llm.types import ChatRequest
from hadron.tasks.agentic.config import AgenticConfig, ReviewConfig
from hadron.tasks.agentic.review import Review, gate, weighted_score
from hadron.tasks.agentic.scenario import load_scenarios
from hadron.tasks.agentic.step import build_refiner

from .conftest import native_call, review_json, teacher_script

ROAMING = (
    next(s for s in load_scenarios("telecom") if s.id == "telecom-enable-roaming")
    .variant(0)[0]
    .model_copy(update={"user_turns": 1})
)
GOOD = teacher_script(
    [
        native_call("set_roaming", {"number": "+1 555 0101", "enabled": True}),
        "Roaming is on for +1 555 0101; it costs 10.00 per day.",
    ]
)
HINT = "Reviewer notes on an earlier attempt"


def refiner(hub: ModelHub, teacher: str, reviewer: str, **review: object):  # type: ignore[no-untyped-def]
    config = AgenticConfig(teacher=teacher, reviewer=reviewer, review=ReviewConfig(**review))  # type: ignore[arg-type]
    return build_refiner(hub, config)


async def test_a_good_episode_is_accepted_in_one_round(scripted: Callable[..., str]) -> None:
    reviews: list[ChatRequest] = []

    def reviewer(request: ChatRequest) -> str:
        reviews.append(request)
        return review_json(ROAMING, 9)

    hub = ModelHub()
    result = await refiner(hub, scripted(GOOD), scripted(reviewer)).produce(ROAMING, route_key="a")
    assert result.accepted and result.verdict is not None and result.verdict.score == 0.9
    assert [a.mode for a in result.attempts] == ["play"]
    prompt = reviews[0].messages[0]["content"]
    assert "[PASS] roaming is on" in prompt and "ASSISTANT CALLS set_roaming" in prompt
    assert "C-1001" in prompt or "fly to Spain" in prompt  # the reviewer sees the hidden goal
    await hub.aclose()


async def test_refine_then_accept_keeps_the_feedback_out_of_the_conversation(
    scripted: Callable[..., str],
) -> None:
    teacher_requests: list[ChatRequest] = []

    def teacher(request: ChatRequest):  # type: ignore[no-untyped-def]
        teacher_requests.append(request)
        if HINT in request.messages[0]["content"]:
            return GOOD(request)
        return teacher_script(
            [native_call("set_roaming", {"number": "+1 555 0101", "enabled": True}), "Done."]
        )(request)

    verdicts = iter(
        [
            review_json(ROAMING, 3, needs_revision=True, feedback="State the daily roaming fee."),
            review_json(ROAMING, 9),
        ]
    )
    hub = ModelHub()
    result = await refiner(hub, scripted(teacher), scripted(lambda r: next(verdicts))).produce(
        ROAMING, route_key="b"
    )
    assert result.accepted
    assert [(a.mode, a.reasons) for a in result.attempts] == [("play", ["review_failed"]), ("rerun", [])]
    assert "State the daily roaming fee." in result.attempts[0].feedback
    hinted = [r for r in teacher_requests if HINT in r.messages[0]["content"]]
    assert hinted and "State the daily roaming fee." in hinted[0].messages[0]["content"]
    assert result.trace is not None
    saved = json.dumps(result.trace.messages)
    assert HINT not in saved and "daily roaming fee" not in saved and "10.00 per day" in saved
    await hub.aclose()


async def test_an_episode_that_never_passes_is_discarded_with_the_reason(
    scripted: Callable[..., str],
) -> None:
    hub = ModelHub()
    reviewer = scripted(lambda r: review_json(ROAMING, 2, needs_revision=True, feedback="Wrong line."))
    result = await refiner(hub, scripted(GOOD), reviewer, max_rounds=2).produce(ROAMING, route_key="c")
    assert not result.accepted and result.reason == "review_failed"
    assert [a.mode for a in result.attempts] == ["play", "rerun", "rerun"]
    assert all(a.score == 0.2 for a in result.attempts)
    await hub.aclose()


async def test_an_unreadable_review_is_not_an_acceptance(scripted: Callable[..., str]) -> None:
    hub = ModelHub()
    result = await refiner(
        hub, scripted(GOOD), scripted(lambda r: "Looks great to me!"), max_rounds=0, max_reasks=1
    ).produce(ROAMING, route_key="d")
    assert not result.accepted and result.reason == "review_unparseable"
    assert result.verdict is not None and result.verdict.error
    await hub.aclose()


async def test_failed_success_checks_and_turn_caps_are_refined_too(scripted: Callable[..., str]) -> None:
    def teacher(request: ChatRequest):  # type: ignore[no-untyped-def]
        if "The task is not done: roaming is on" in request.messages[0]["content"]:
            return GOOD(request)
        return "Sure, roaming is on now!"  # claims it without calling the tool

    hub = ModelHub()
    result = await refiner(hub, scripted(teacher), scripted(lambda r: review_json(ROAMING, 9))).produce(
        ROAMING, route_key="e"
    )
    assert result.accepted
    assert result.attempts[0].reasons == ["task_failed"]
    looping = scripted(lambda request: native_call("get_line", {"number": "+1 555 0101"}))
    capped = await build_refiner(
        hub,
        AgenticConfig(
            teacher=looping, reviewer=scripted([]), loop={"max_turns": 2}, review={"max_rounds": 1}
        ),
    ).produce(ROAMING, route_key="f")  # type: ignore[arg-type]
    assert not capped.accepted and capped.reason == "turn_cap"
    assert "every allowed turn" in capped.attempts[0].feedback
    assert capped.attempts[-1].note == "no final answer within 2 assistant turns"
    await hub.aclose()


async def test_revise_answer_rewrites_only_the_final_reply(scripted: Callable[..., str]) -> None:
    asks: list[ChatRequest] = []

    def teacher(request: ChatRequest):  # type: ignore[no-untyped-def]
        if "Rewrite your last reply" in request.messages[-1]["content"]:
            asks.append(request)
            return "Roaming is on for +1 555 0101; it costs 10.00 per day."
        return teacher_script(
            [native_call("set_roaming", {"number": "+1 555 0101", "enabled": True}), "Done."]
        )(request)

    verdicts = iter(
        [review_json(ROAMING, 4, needs_revision=True, feedback="Say the fee."), review_json(ROAMING, 9)]
    )
    hub = ModelHub()
    result = await refiner(
        hub, scripted(teacher), scripted(lambda r: next(verdicts)), refine="revise_answer"
    ).produce(ROAMING, route_key="g")
    assert result.accepted and [a.mode for a in result.attempts] == ["play", "revise_answer"]
    assert result.trace is not None and result.trace.messages[-1]["content"].endswith("10.00 per day.")
    assert len(result.episode.events) == 1  # the tool was not called again
    assert "Say the fee." in asks[0].messages[-1]["content"]
    assert "Rewrite your last reply" not in json.dumps(result.trace.messages)
    await hub.aclose()


async def test_the_language_policy_is_enforced_through_review(scripted: Callable[..., str]) -> None:
    def teacher(request: ChatRequest):  # type: ignore[no-untyped-def]
        if "Language policy" in request.messages[0]["content"]:
            return GOOD(request)
        return teacher_script(
            [
                native_call("set_roaming", {"number": "+1 555 0101", "enabled": True}),
                "El roaming ya está activado para su línea y cuesta diez euros al día.",
            ]
        )(request)

    hub = ModelHub()
    result = await refiner(hub, scripted(teacher), scripted(lambda r: review_json(ROAMING, 9))).produce(
        ROAMING, route_key="h"
    )
    assert result.accepted
    assert result.attempts[0].reasons == ["language"]
    assert "'es'" in result.attempts[0].feedback
    await hub.aclose()


def test_weighted_score_and_gate_without_a_reviewer() -> None:
    review = Review.model_validate(
        {
            "scores": [{"item": "action", "score": 10}, {"item": "fees", "score": 5}],
            "total": 7,
            "needs_revision": False,
        }
    )
    assert weighted_score(ROAMING, review) == round((3 * 10 + 2 * 5) / (10 * 7), 4)  # identify, tone: 0
    messages = [{"role": "assistant", "content": "Roaming is on for your line, at 10.00 per day."}]
    assert gate(ROAMING, messages, [], ReviewConfig(enabled=False)).accepted
