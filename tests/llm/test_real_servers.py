"""Every task's command against real OpenAI-compatible servers running the embedded model:
llama-cpp-python's own server (which refuses ``json_schema``: negotiation must find ``json_object``) and
``hadron serve``. Tiny inputs; what must hold is that every row finishes (none lost to a format
refusal) and that at least 95% of ballots and verdicts are valid after re-asks."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.model

ROOT = Path(__file__).resolve().parents[2]
LAUNCH = "from hadron.cli import main; main()"
SCENARIO = ROOT / "src/hadron/tasks/agentic/scenarios/terminal/disk-full-nginx.yaml"
GOLD = ROOT / "examples/distill"


@pytest.fixture(scope="module", params=["llama_cpp.server", "hadron serve"])
def server(request: pytest.FixtureRequest) -> Iterator[tuple[str, str]]:
    """(which server, model spec) for each server, one running at a time."""
    pytest.importorskip("llama_cpp")
    from hadron.testing import serve_llama_cpp, serve_local

    start = serve_llama_cpp if request.param == "llama_cpp.server" else serve_local
    with pytest.MonkeyPatch.context() as env:
        env.setenv("HADRON_LOCAL_THREADS", "1")  # on 2 shared cores one thread is fastest (local.py)
        with start(n_ctx=4096) as base_url:
            yield request.param, f"{base_url}#smollm2"


def hadron(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([sys.executable, "-c", LAUNCH, *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, timeout=300, env=_env())
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return done


def _env() -> dict[str, str]:
    import os

    return {**os.environ, "COLUMNS": "200", "HADRON_LOCAL_THREADS": "1"}


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def rows(out: Path) -> list[dict[str, Any]]:
    return [row for part in sorted((out / "data").glob("part-*.jsonl")) for row in lines(part)]


def negotiated(out: Path, which: str, spec: str) -> None:
    """The run records how it asked for JSON: json_object after one refusal on llama-cpp-python's
    server, json_schema as sent on ``hadron serve`` (it rewrites the format itself)."""
    choice = json.loads((out / "stats.json").read_text())["structured"][spec]
    expected = "json_object" if which == "llama_cpp.server" else "json_schema"
    assert choice["mode"] == expected, choice


def test_autoreason(server: tuple[str, str], tmp_path: Path) -> None:
    which, spec = server
    (tmp_path / "p.jsonl").write_text('{"prompt": "Name a primary color."}\n')
    (tmp_path / "c.yaml").write_text("judge: {max_tokens: 96, max_reasks: 2}\n")
    hadron("autoreason", "p.jsonl", "--out", "run", "--model", spec, "--max-passes", "1",
           "--max-tokens", "48", "-c", "c.yaml", "-q", cwd=tmp_path)
    out = tmp_path / "run"
    assert lines(out / "errors.jsonl") == [] and len(rows(out)) == 1
    summary = json.loads((out / "autoreason_summary.json").read_text())
    assert summary["ballots"] == 3 and summary["valid_after_reasks"] / summary["ballots"] >= 0.95
    assert "truncated" in summary
    negotiated(out, which, spec)


def test_nanoflux(server: tuple[str, str], tmp_path: Path) -> None:
    which, spec = server
    (tmp_path / "c.yaml").write_text(
        "attacker: {max_tokens: 128, max_reasks: 2}\ndefender: {max_tokens: 48}\n"
        "judge: {max_tokens: 48, verdict_max_tokens: 96, max_reasks: 2, max_tool_calls: 1}\n"
        "band: {hops: [0, 50], levels: [1, 3]}\nrequire: any\n")
    hadron("nanoflux", "--out", "run", "--domains", "math", "--per-domain", "1", "--max-rounds", "1",
           "--concurrency", "1", "--attacker", spec, "--defender", spec, "--judge", spec, "-c", "c.yaml",
           "-q", cwd=tmp_path)
    out = tmp_path / "run"
    kept, rejects = rows(out), lines(out / "rejects.jsonl")
    assert lines(out / "errors.jsonl") == [] and len(kept) + len(rejects) == 1
    unreadable = [r for r in rejects if r["reason"] in ("judge_unparseable", "attack_unparseable")]
    assert not unreadable, [r["reason"] for r in rejects]  # 1 round: 95% valid means all valid
    assert all(r["judge"]["valid"] for r in kept)
    negotiated(out, which, spec)


def test_agentic(server: tuple[str, str], tmp_path: Path) -> None:
    _, spec = server
    (tmp_path / "sc").mkdir()
    (tmp_path / "sc" / SCENARIO.name).write_text(SCENARIO.read_text())
    (tmp_path / "c.yaml").write_text("loop: {max_turns: 1, max_tokens: 48, user_max_tokens: 32}\n"
                                     "review: {max_rounds: 0, max_tokens: 160, max_reasks: 2}\n")
    hadron("agentic", "--scenarios", "sc", "--episodes", "1", "--teacher", spec, "--reviewer", spec,
           "--out", "run", "-c", "c.yaml", "--no-progress", cwd=tmp_path)
    out = tmp_path / "run"
    rejects = lines(out / "rejects.jsonl")
    assert lines(out / "errors.jsonl") == [] and len(rows(out)) + len(rejects) == 1
    assert not [r for r in rejects if r["reason"] in ("review_unparseable", "review_failed",
                                                      "model_rejected")]


async def test_a_prompt_over_the_context_fails_alone_and_keeps_the_negotiated_format(
        server: tuple[str, str]) -> None:
    """The real server answers an over-long prompt with HTTP 400 in any format. Before, that walked the
    run down to prompted JSON (every mode refused in turn, the last answer kept); now only that call
    fails, with the server's own error, and the next one asks as before."""
    from pydantic import BaseModel

    from hadron.llm import ModelHub
    from hadron.llm.errors import FormatRefused, Rejected

    class Pick(BaseModel):
        choice: int

    async with ModelHub() as hub:
        model = hub.get(server[1])
        assert (await model.chat_json("Pick 1 or 2. Reply in JSON.", Pick, max_tokens=24)).ok
        before = hub.structured_choices()[server[1]]
        with pytest.raises(Rejected, match="context") as caught:
            await model.chat_json("word " * 6000 + "Pick 1 or 2.", Pick, max_tokens=24)
        assert not isinstance(caught.value, FormatRefused)
        assert hub.structured_choices()[server[1]] == before
        assert (await model.chat_json("Pick 1 or 2. Reply in JSON.", Pick, max_tokens=24)).ok


def test_distill(server: tuple[str, str], tmp_path: Path) -> None:
    _, spec = server
    args = ("distill", GOLD / "gold.jsonl", "--seed-prompt", GOLD / "baseline_prompt.txt", "--out", "run",
            "--model", spec, "--reflection", spec, "--categorical", "category,urgent", "--array", "tags",
            "--budget", "10", "--max-seconds", "30", "--minibatch", "2")
    hadron(*args, cwd=tmp_path)
    saved = (tmp_path / "run" / "result.json").read_text()
    result = json.loads(saved)
    student = result["usage"]["student"]
    assert student["calls"] >= 10 and student["errors"] == 0
    assert result["gate"]["n"] == 3

    # the same command again: the saved verdict, nothing asked, nothing rewritten
    again = hadron(*args, cwd=tmp_path)
    assert "already holds this distillation" in " ".join(again.stdout.split())
    assert (tmp_path / "run" / "result.json").read_text() == saved
    # --retry-errors runs it again: what was answered replays from the cache
    hadron(*args, "--retry-errors", cwd=tmp_path)
    rerun = json.loads((tmp_path / "run" / "result.json").read_text())["usage"]["student"]
    assert rerun["cache_hits"] > 0 and rerun["errors"] == 0
