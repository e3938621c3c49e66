"""Rows as a user expects, against a real HTTP server (the fault server) and the real SQLite cache:
ids kept, the system turn and multi-turn conversations sent as exported, a cache shared across runs,
failed answers never replayed, and the tournament's NO FLAWS and ballot rules."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from hadron.cli import app
from hadron.testing import FaultServer
from hadron.testing.answers import last_user_text

ROWS = [
    {"id": "h1", "prompt": "Say hi", "system": "Answer only in French."},
    {"id": "h2", "prompt": "Name a colour."},
    {"id": "h3", "system": "Be brief.", "prompt": "unused when messages are given",
     "messages": [{"role": "user", "content": "What is 2+2?"}, {"role": "assistant", "content": "4"},
                  {"role": "user", "content": "And times 3?"}]},
]


def role_of(body: dict[str, Any]) -> str:
    first = next(m["content"] for m in body["messages"] if m["role"] == "user")
    if "from best to worst" in first:
        return "judge"
    if "List the real problems" in first:
        return "critic"
    return "teacher" if body["messages"][-1]["content"] in {"Say hi", "Name a colour.", "And times 3?"} \
        else "other"


def reply(body: dict[str, Any]) -> str:
    if role_of(body) == "judge":
        labels = sorted(set(__import__("re").findall(r"BEGIN (X\d+)", last_user_text(body["messages"]))))
        return "fine\nRANKING: " + ", ".join(labels)
    if role_of(body) == "critic":
        return "- 'x' is vague"
    return "answer " + str(len(json.dumps(body["messages"])))


def run(prompts: Path, out: Path, server: FaultServer, cache: Path, *extra: str) -> Any:
    return CliRunner().invoke(app, ["autoreason", str(prompts), "--out", str(out), "--model", server.spec(),
                                    "--max-passes", "1", "--cache", str(cache), "--quiet", *extra])


def teacher_bodies(server: FaultServer) -> list[dict[str, Any]]:
    return [r.body for r in server.chat_requests() if r.body is not None and role_of(r.body) == "teacher"]


def test_ids_system_turns_and_conversations_are_sent_and_exported_as_given(tmp_path: Path) -> None:
    prompts = tmp_path / "held_out.jsonl"
    prompts.write_text("".join(json.dumps(row) + "\n" for row in ROWS))
    cache = tmp_path / "shared.sqlite"
    with FaultServer(reply=reply) as server:
        first = run(prompts, tmp_path / "a", server, cache)
        assert first.exit_code == 0, first.output
        sent = {json.dumps(body["messages"][-1]): body["messages"] for body in teacher_bodies(server)}
        assert len(sent) == 3

        rows = [json.loads(line) for f in sorted((tmp_path / "a" / "data").glob("*.jsonl"))
                for line in f.read_text().splitlines()]
        assert sorted(row["id"] for row in rows) == ["h1", "h2", "h3"]
        assert all("source_id" not in row for row in rows)
        sft = {r["id"]: r["messages"] for r in map(json.loads, (tmp_path / "a" / "exports" / "sft.trl.jsonl")
                                                   .read_text().splitlines())}
        assert sorted(sft) == ["h1", "h2", "h3"]
        for messages in sft.values():  # the exported prompt turns are exactly the request the server got
            prompt_turns = messages[:-1]
            assert sent[json.dumps(prompt_turns[-1])] == prompt_turns
        assert sft["h1"][0] == {"role": "system", "content": "Answer only in French."}
        assert [m["role"] for m in sft["h3"]] == ["system", "user", "assistant", "user", "assistant"]

        # a new run directory with 5 judges and the same cache: no teacher or critic call again
        server.clear()
        second = run(prompts, tmp_path / "b", server, cache, "--judges", "5")
        assert second.exit_code == 0, second.output
        roles = [role_of(r.body) for r in server.chat_requests() if r.body is not None]
        assert "teacher" not in roles and "critic" not in roles and roles.count("judge") >= 6


def test_an_empty_draft_is_asked_again_on_retry_errors(tmp_path: Path) -> None:
    prompts = tmp_path / "p.jsonl"
    prompts.write_text(json.dumps({"id": "e1", "prompt": "Say hi"}) + "\n")
    answers = {"teacher": ""}

    def flaky(body: dict[str, Any]) -> str:
        return answers["teacher"] if role_of(body) == "teacher" else reply(body)

    with FaultServer(reply=flaky) as server:
        first = run(prompts, tmp_path / "r", server, tmp_path / "c.sqlite")
        assert first.exit_code == 1 and "EmptyDraft" in (tmp_path / "r" / "errors.jsonl").read_text()
        answers["teacher"] = "bonjour"
        server.clear()
        again = run(prompts, tmp_path / "r", server, tmp_path / "c.sqlite", "--retry-errors")
        assert again.exit_code == 0, again.output
        assert len(teacher_bodies(server)) == 1  # the empty answer was not replayed from the cache
    rows = [json.loads(line) for f in (tmp_path / "r" / "data").glob("*.jsonl")
            for line in f.read_text().splitlines()]
    assert [(row["id"], row["generation"]) for row in rows] == [("e1", "bonjour")]


def test_no_flaws_counts_only_as_the_whole_critique() -> None:
    from hadron.tasks.autoreason.roles import no_flaws

    assert no_flaws("NO FLAWS") and no_flaws("  NO FLAWS.\n")
    assert not no_flaws("- 'x' is wrong\nNO FLAWS")
    assert not no_flaws("There are NO FLAWS here")


async def test_a_valid_ballot_counts_whatever_its_reasoning_length(fake_models: Any) -> None:
    from hadron.llm.hub import ModelHub
    from hadron.tasks.autoreason.ballot import REASONING_KEPT
    from hadron.tasks.autoreason.config import AutoReasonConfig
    from hadron.tasks.autoreason.tournament import refine

    from .fakes import Fake

    long_reason = "because " * 200
    setup = fake_models(Fake(judge=lambda cands, request: json.dumps(
        {"reasoning": long_reason, "ranking": " > ".join(cands)})), schema=False)
    async with ModelHub() as hub:
        config = AutoReasonConfig(model=setup.spec, max_passes=1)
        config.judge.ballot = "json"
        out = await refine("Q?", "row-long", hub, config)
    ballots = out.trace[0].ballots
    assert ballots and all(b.valid and b.reasoning_truncated for b in ballots)
    assert all(b.reasoning is not None and len(b.reasoning) <= REASONING_KEPT + 1 for b in ballots)
