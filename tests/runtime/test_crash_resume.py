"""Kill ``hadron run`` (SIGKILL) at random points, run it again: every row exactly once, no model call
that was already answered is asked again, and ``stats.json`` counts the calls, tokens and cost of an
uninterrupted run. Ctrl-C (SIGINT) stops cleanly and says how to resume."""

from __future__ import annotations

import itertools
import json
import random
import signal
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import pytest

from hadron.core import canonical_json
from hadron.testing import FaultServer

from .conftest import read_jsonl, read_rows, write_prompts

ROWS = 60
LATENCY = 0.06
ANSWER_TO_COMMIT_S = 3.0
"""Slack between the server sending an answer and the client committing it to the cache; a kill in
that window legitimately repeats the call. Generous because CI shares 2 cores with the server."""
PIPELINE = """\
source: {{path: prompts.jsonl, id_column: id}}
steps:
  - {{step: generate, name: answer, model: "{spec}", max_tokens: 16}}
  - {{step: generate, name: critique, model: "{spec}", prompt: "Critique: {{{{ generation }}}}",
     output: critique}}
sink: {{shard_rows: 7}}
run: {{max_in_flight: 4}}
"""


BY_DESIGN = frozenset({"retries", "cache_hits", "seconds", "saved_usd"})
"""Model tallies a resumed run may differ in: replays are free and instant, faults hit other attempts."""


def command(tmp_path: Path, out: str = "run") -> list[str]:
    return [sys.executable, "-c", "from hadron.cli import main; main()", "run",
            str(tmp_path / "pipeline.yaml"), "--out", str(tmp_path / out), "--quiet"]


def model_totals(run: Path) -> dict[tuple[str, str], float]:
    """``stats.json``'s model tallies by (role, field), without the fields that differ by design."""
    models = json.loads((run / "stats.json").read_text())["models"]
    return {(role, name): value for role, tally in models.items() for name, value in tally.items()
            if name not in BY_DESIGN}


def assert_stats_of_one_run(tmp_path: Path, run: Path) -> None:
    """The resumed run's model totals equal those of the same pipeline run once, uninterrupted."""
    once = subprocess.run(command(tmp_path, "once"), capture_output=True, timeout=120)
    assert once.returncode == 0, once.stderr.decode()
    expected = model_totals(tmp_path / "once")
    assert sum(v for (_, name), v in expected.items() if name == "calls") == 2 * ROWS
    assert model_totals(run) == pytest.approx(expected)


def finished_rows(run: Path) -> int:
    return sum(len(p.read_bytes().splitlines()) for p in (run / "checkpoint").glob("part-*.done.jsonl"))


def wait_for_rows(proc: subprocess.Popen[bytes], run: Path, target: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if (run / "checkpoint").exists() and finished_rows(run) >= target:
            return
        time.sleep(0.01)


@pytest.fixture
def server() -> FaultServer:
    with FaultServer(latency_s=LATENCY) as fault_server:
        yield fault_server


def setup_run(tmp_path: Path, server: FaultServer) -> None:
    write_prompts(tmp_path / "prompts.jsonl", ROWS)
    (tmp_path / "pipeline.yaml").write_text(PIPELINE.format(spec=server.spec()))


def test_sigkill_at_random_points_then_resume(tmp_path: Path, server: FaultServer) -> None:
    setup_run(tmp_path, server)
    run = tmp_path / "run"
    rng = random.Random(7)
    kills: list[float] = []
    for _ in range(3):
        proc = subprocess.Popen(command(tmp_path), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        done = finished_rows(run) if (run / "checkpoint").exists() else 0
        wait_for_rows(proc, run, done + rng.randint(3, 15))
        time.sleep(rng.uniform(0, 0.2))  # land anywhere: mid-call, mid-journal, mid-shard
        if proc.poll() is None:
            kills.append(time.monotonic())
            proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert len(kills) >= 2

    final = subprocess.run(command(tmp_path), capture_output=True, timeout=120)
    assert final.returncode == 0, final.stderr.decode()
    rows = read_rows(run)
    assert sorted(r["id"] for r in rows) == sorted(f"r{i}" for i in range(ROWS))  # each exactly once
    assert all(r["critique"] and r["generation"] for r in rows)
    assert read_jsonl(run / "errors.jsonl") == []
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["rows"] == ROWS and manifest["complete"] is True

    arrivals: dict[str, list[float]] = defaultdict(list)
    for request in server.chat_requests():
        arrivals[canonical_json(request.body)].append(request.arrival)
    assert len(arrivals) == 2 * ROWS
    for body, times in arrivals.items():
        for first, _again in itertools.pairwise(times):
            # a request is asked again only if it was still unanswered when the process was killed
            in_flight = any(first <= kill <= first + LATENCY + ANSWER_TO_COMMIT_S for kill in kills)
            assert in_flight, f"answered request repeated: {body[:120]}"

    before = len(server.chat_requests())
    rerun = subprocess.run(command(tmp_path), capture_output=True, timeout=120)
    assert rerun.returncode == 0 and len(server.chat_requests()) == before
    assert_stats_of_one_run(tmp_path, run)


def as_from_a_terminal() -> None:
    """Default SIGINT in the child, as a command typed at a terminal has. Under a shell's background job
    (``cmd &`` in a script) SIGINT is inherited as ignored, Python then installs no KeyboardInterrupt
    handler, and the test would be checking the launcher rather than hadron."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_ctrl_c_stops_cleanly_and_says_how_to_resume(tmp_path: Path, server: FaultServer, sig: int,
                                                     code: int) -> None:
    setup_run(tmp_path, server)
    run = tmp_path / "run"
    proc = subprocess.Popen(command(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=as_from_a_terminal)
    wait_for_rows(proc, run, 10)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == code, err.decode()
    assert "interrupted; rerun the same command to resume" in err.decode()
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["complete"] is False and 10 <= manifest["rows"] < ROWS
    assert json.loads((run / "checkpoint" / "state.json").read_text())["clean"] is True

    final = subprocess.run(command(tmp_path), capture_output=True, timeout=120)
    assert final.returncode == 0, final.stderr.decode()
    assert sorted(r["id"] for r in read_rows(run)) == sorted(f"r{i}" for i in range(ROWS))
    assert_stats_of_one_run(tmp_path, run)  # the calls in flight at the stop are counted once
