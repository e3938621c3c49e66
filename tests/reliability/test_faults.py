"""Nothing is lost under faults: single-shot and AutoReason runs of 100+ prompts against a server that
fails 30% of requests (every fault kind it has), and an AutoReason run killed with SIGKILL five times.

Checked against what the server saw: every row exactly once, retries equal to the injected faults,
calls and tokens equal to the answered requests, every judge ballot valid or re-asked and counted, and
after each kill, no request whose answer was already stored is ever sent again, and the resumed run's
``stats.json`` holds the calls, tokens and cost of the uninterrupted one.
"""

from __future__ import annotations

import asyncio
import json
import random
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from hadron.runtime.config import load_pipeline
from hadron.testing import FaultServer, RecordedRequest

from .conftest import (
    FAULTS,
    HADRON,
    SERVER_OPTIONS,
    ServerTally,
    autoreason_step,
    body_digest,
    cached_digests,
    read_jsonl,
    read_rows,
    scripted_reply,
    server_tally,
    single_shot_step,
    stats_totals,
    subprocess_env,
    usage_totals,
    write_pipeline,
    write_prompts,
)

PROMPTS = 100


@pytest.fixture(scope="module")
def server() -> Iterator[FaultServer]:
    with FaultServer(faults=FAULTS, reply=scripted_reply, seed=9, **SERVER_OPTIONS) as running:
        yield running


@dataclass
class Finished:
    run_dir: Path
    pipeline: Path
    rows: list[dict[str, Any]]
    server: ServerTally


def run_in_process(pipeline: Path, run_dir: Path, server: FaultServer) -> Finished:
    server.clear()
    asyncio.run(load_pipeline(pipeline).run(run_dir, progress="quiet"))
    return Finished(run_dir, pipeline, read_rows(run_dir), server_tally(server.requests))


@pytest.fixture(scope="module")
def autoreason_run(server: FaultServer, tmp_path_factory: pytest.TempPathFactory) -> Finished:
    base = tmp_path_factory.mktemp("autoreason")
    prompts = write_prompts(base / "prompts.jsonl", PROMPTS)
    pipeline = write_pipeline(base / "pipeline.yaml", prompts, autoreason_step(server.base_url))
    return run_in_process(pipeline, base / "run", server)


def assert_every_row_once(run: Finished, count: int) -> None:
    ids = [row["id"] for row in run.rows]
    assert sorted(ids) == sorted(f"r{i}" for i in range(count))
    assert read_jsonl(run.run_dir / "errors.jsonl") == []


def assert_accounting_matches_server(run: Finished) -> None:
    """The client's numbers (stats.json and the rows' usage) are exactly what the server saw.

    Retries are the injected faults plus late repeats: an answer the client's timeout gave up on
    before reading it (only on a machine too busy to run the event loop for a whole timeout; the
    suite's timeout is 1 s against 5-20 ms answers), which the server saw as a normal request.
    """
    seen = run.server
    assert seen.faults >= 0.25 * seen.requests  # the faults really were injected
    assert seen.late_repeats <= 0.02 * seen.requests
    for client in (stats_totals(run.run_dir), usage_totals(run.rows)):
        assert client["retries"] == seen.faults + seen.late_repeats
        assert client["calls"] - client["cache_hits"] == seen.answered - seen.late_repeats
        assert client["prompt_tokens"] == seen.prompt_tokens
        assert client["completion_tokens"] == seen.completion_tokens


def test_single_shot_under_faults(server: FaultServer, tmp_path: Path) -> None:
    prompts = write_prompts(tmp_path / "prompts.jsonl", 120)
    pipeline = write_pipeline(tmp_path / "pipeline.yaml", prompts, single_shot_step(server.base_url))
    run = run_in_process(pipeline, tmp_path / "run", server)

    assert_every_row_once(run, 120)
    assert_accounting_matches_server(run)
    assert run.server.answered - run.server.late_repeats == 120  # each prompt answered once
    answered = {body_digest(r.body) for r in server.chat_requests() if r.fault is None and r.body}
    assert {row["generation"].removeprefix("text ") for row in run.rows} == answered


def test_autoreason_under_faults(autoreason_run: Finished) -> None:
    run = autoreason_run
    assert_every_row_once(run, PROMPTS)
    assert_accounting_matches_server(run)
    assert run.server.requests > 2000


def test_no_judge_ballot_is_dropped(autoreason_run: Finished) -> None:
    """Each judged pass has all 3 ballots; an unreadable one was re-asked, and every re-ask is counted."""
    passes = [p for row in autoreason_run.rows for p in row["trace"]]
    assert passes and not any(p["void"] or p["short_circuit"] for p in passes)
    ballots = [b for p in passes for b in p["ballots"]]
    assert all(len(p["ballots"]) == 3 for p in passes)
    assert all(b["valid"] and sorted(b["ranking"]) == ["A", "AB", "B"] for b in ballots)
    reasked = sum(b["asks"] - 1 for b in ballots)
    seen = autoreason_run.server
    assert reasked == seen.unreadable_ballots == seen.judge_reasks > 0
    assert usage_totals(autoreason_run.rows)["reasks"] == reasked


def test_run_stats_count_ballot_reasks(autoreason_run: Finished) -> None:
    assert stats_totals(autoreason_run.run_dir)["reasks"] == autoreason_run.server.judge_reasks > 0


@dataclass
class Crashed:
    run_dir: Path
    kills: list[tuple[float, set[str]]]
    """(when, digests of the stored answers then) per kill."""
    requests: list[RecordedRequest]


@pytest.fixture(scope="module")
def crashed_run(server: FaultServer, autoreason_run: Finished,
                tmp_path_factory: pytest.TempPathFactory) -> Crashed:
    """``hadron run`` of the same pipeline, SIGKILLed at 5 random points, then run to the end."""
    run_dir = tmp_path_factory.mktemp("crashed") / "run"
    command = [HADRON, "run", str(autoreason_run.pipeline), "--out", str(run_dir), "--quiet"]
    rng = random.Random(2024)
    kill_at = sorted(int(rng.uniform(0.05, 0.9) * autoreason_run.server.requests) for _ in range(5))
    server.clear()
    kills: list[tuple[float, set[str]]] = []
    for threshold in kill_at:
        process = subprocess.Popen(command, env=subprocess_env(), stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE, text=True)
        while process.poll() is None and len(server.chat_requests()) < threshold:
            time.sleep(0.005)
        assert process.poll() is None, f"the run ended before the kill point: {process.communicate()[1]}"
        process.send_signal(signal.SIGKILL)
        process.communicate()
        kills.append((time.monotonic(), cached_digests(run_dir / "cache.sqlite")))
        read_rows(run_dir)  # whatever shards are published are whole JSONL after every kill
    final = subprocess.run(command, env=subprocess_env(), capture_output=True, text=True, timeout=300)
    assert final.returncode == 0, final.stderr
    return Crashed(run_dir, kills, server.chat_requests())


BY_DESIGN = frozenset({"retries", "cache_hits", "seconds", "saved_usd"})
"""Usage fields a resumed run may differ in: faults hit other attempts, replays are free and instant."""


def comparable(rows: list[dict[str, Any]], *, sort_reasoning: bool) -> list[dict[str, Any]]:
    """Rows by id; ``usage`` without the fields that differ by design: a replayed answer carries its
    original calls, tokens and cost, so those must match an uninterrupted run's."""
    out = []
    for row in sorted(rows, key=lambda r: r["id"]):
        usage = {role: {k: v for k, v in tally.items() if k not in BY_DESIGN}
                 for role, tally in row["usage"].items()}
        row = {**row, "usage": usage}
        if sort_reasoning:
            row["reasoning"] = sorted(row["reasoning"],
                                      key=lambda e: (e["pass"], e["role"], e.get("index") or 0))
        out.append(row)
    return out


def test_sigkill_five_times_then_resume(crashed_run: Crashed, autoreason_run: Finished) -> None:
    """Killed at 5 random points and resumed: the same rows, and no stored answer asked for again."""
    assert len(crashed_run.kills) == 5 and all(stored for _, stored in crashed_run.kills)
    for killed_at, stored in crashed_run.kills:
        repeated = [r for r in crashed_run.requests
                    if r.arrival > killed_at and r.body and body_digest(r.body) in stored]
        assert not repeated, f"{len(repeated)} answered calls were asked again after a kill"
    rows = read_rows(crashed_run.run_dir)
    assert comparable(rows, sort_reasoning=True) == comparable(autoreason_run.rows, sort_reasoning=True)
    assert read_jsonl(crashed_run.run_dir / "errors.jsonl") == []
    assert stats_totals(crashed_run.run_dir)["cache_hits"] > 0  # resumed sessions replayed stored answers


def test_rows_are_byte_identical_after_resume(crashed_run: Crashed, autoreason_run: Finished) -> None:
    rows = read_rows(crashed_run.run_dir)
    assert comparable(rows, sort_reasoning=False) == comparable(autoreason_run.rows, sort_reasoning=False)


def model_totals(run_dir: Path) -> dict[tuple[str, str], float]:
    """``stats.json``'s model tallies by (role, field), without the fields that differ by design."""
    models = json.loads((run_dir / "stats.json").read_text())["models"]
    return {(role, name): value for role, tally in models.items() for name, value in tally.items()
            if name not in BY_DESIGN}


def test_stats_after_resume_equal_an_uninterrupted_run(crashed_run: Crashed,
                                                       autoreason_run: Finished) -> None:
    """Five sessions were SIGKILLed before they could write stats.json; the rows they finished still
    count (their usage is journaled with them), and the calls in flight at each kill count once."""
    expected = model_totals(autoreason_run.run_dir)
    assert expected[("judge", "calls")] > 0 and expected[("judge", "reasks")] > 0
    assert model_totals(crashed_run.run_dir) == pytest.approx(expected)
