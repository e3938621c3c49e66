"""Rows as a user expects, against a real HTTP server (the fault server) and the real SQLite cache:
ids kept, the system turn and multi-turn conversations sent as exported, a cache shared across runs,
failed answers never replayed, and the tournament's NO FLAWS and ballot rules."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from hadron.cli import app
from hadron.errors import ConfigError
from hadron.testing import FaultServer

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
    editors = ("A reviewer found these problems", "two responses to this task", "Repair the response")
    return "other" if any(marker in first for marker in editors) else "teacher"


def reply(body: dict[str, Any]) -> str:
    """A pure function of the request: judges rank the labels in order (as JSON when asked for it)."""
    if role_of(body) == "judge":
        first = next(m["content"] for m in body["messages"] if m["role"] == "user")
        labels = sorted(set(re.findall(r"BEGIN (X\d+)", first)))
        if body.get("response_format"):
            return json.dumps({"reasoning": "fine", "ranking": " > ".join(labels)})
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


HELD_OUT = [
    {"id": f"q{i}", "prompt": f"Question {i}?", **({"system": f"Answer in style {i}."} if i % 2 else {})}
    for i in range(10)
] + [{"id": "conv", "system": "Be brief.", "messages": [
    {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"},
    {"role": "user", "content": "And times 3?"}]}]


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_done_when_killed_resumed_and_rerun_with_five_judges(tmp_path: Path) -> None:
    """#16's done-when: a held-out file with ids and system prompts is killed mid-run and resumed; every
    id is in data/ and the SFT exports exactly once, with its system turn as sent; five judges into a new
    --out with the same --cache send no teacher call again."""
    import signal
    import subprocess
    import sys
    import time

    prompts = tmp_path / "held_out.jsonl"
    prompts.write_text("".join(json.dumps(row) + "\n" for row in HELD_OUT))
    cache = tmp_path / "shared.sqlite"
    hadron = str(Path(sys.executable).parent / "hadron")
    with FaultServer(reply=reply, latency_s=0.02) as server:
        command = [hadron, "autoreason", str(prompts), "--out", str(tmp_path / "a"), "--model", server.spec(),
                   "--max-passes", "1", "--cache", str(cache), "--quiet"]
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        while process.poll() is None and len(server.chat_requests()) < 25:
            time.sleep(0.005)
        assert process.poll() is None, process.communicate()[1]
        process.send_signal(signal.SIGKILL)
        process.communicate()
        resumed = subprocess.run(command, capture_output=True, text=True, timeout=300)
        assert resumed.returncode == 0, resumed.stderr
        teachers = {json.dumps(body["messages"][-1]): body["messages"] for body in teacher_bodies(server)}

        rows = [row for f in sorted((tmp_path / "a" / "data").glob("*.jsonl")) for row in read_jsonl(f)]
        ids = sorted(row["id"] for row in HELD_OUT)
        assert sorted(row["id"] for row in rows) == ids
        exports = tmp_path / "a" / "exports"
        trl, sharegpt = read_jsonl(exports / "sft.trl.jsonl"), read_jsonl(exports / "sft.sharegpt.jsonl")
        assert sorted(r["id"] for r in trl) == ids and sorted(r["id"] for r in sharegpt) == ids
        for other in exports.glob("*.jsonl"):  # every export keys on the input's ids, never a hash
            assert {r["id"] for r in read_jsonl(other) if "id" in r} <= set(ids), other.name
        by_id = {row["id"]: row for row in HELD_OUT}
        for record in trl:
            sent = record["messages"][:-1]
            assert teachers[json.dumps(sent[-1])] == sent  # exported exactly as the server received it
            system = by_id[record["id"]].get("system")
            assert (sent[0] == {"role": "system", "content": system}) if system else sent[0]["role"] == "user"

        server.clear()
        five = subprocess.run([*command[:3], "--out", str(tmp_path / "b"), *command[5:], "--judges", "5"],
                              capture_output=True, text=True, timeout=300)
        assert five.returncode == 0, five.stderr
        assert teacher_bodies(server) == []
        assert sorted(r["id"] for r in read_jsonl(tmp_path / "b" / "exports" / "sft.trl.jsonl")) == ids


def test_an_input_column_a_task_writes_is_never_overwritten(tmp_path: Path) -> None:
    prompts = tmp_path / "p.jsonl"
    prompts.write_text(json.dumps({"id": "g1", "prompt": "Hi", "generation": "mine"}) + "\n")
    with FaultServer(reply=reply) as server:
        result = run(prompts, tmp_path / "out", server, tmp_path / "c.sqlite")
        assert server.chat_requests() == []
    assert isinstance(result.exception, ConfigError)  # exit 2 through hadron's entry point
    assert "writes column 'generation', which the input already has" in str(result.exception)
