"""``hadron report | stats | eval | push`` through the real CLI."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hadron.cli import app
from hadron.testing import register_scripted, unregister_scripted

FIXTURES = Path(__file__).resolve().parents[1] / "qa" / "fixtures"
runner = CliRunner()


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    return Path(shutil.copytree(FIXTURES / "autoreason_run", tmp_path / "run"))


@pytest.fixture
def judge() -> Iterator[str]:
    def prefers_longer(request) -> str:  # type: ignore[no-untyped-def]
        text = request.messages[-1]["content"]
        first = text.split("## Response 1\n")[1].split("\n\n## Response 2")[0]
        second = text.split("## Response 2\n")[1].split("\n\nWhich response is better?")[0]
        return json.dumps({"reasoning": "", "winner": "1" if len(first) > len(second) else
                           "2" if len(second) > len(first) else "tie"})

    register_scripted("cli-judge", prefers_longer)
    yield "scripted:cli-judge"
    unregister_scripted("cli-judge")


def hadron(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the installed entry point in a subprocess (to see exit codes and stderr as a user does)."""
    return subprocess.run([sys.executable, "-c", "from hadron.cli import main; main()", *args],
                          capture_output=True, text=True, env=env, timeout=120, check=False)


def test_report_writes_html_and_card(run_dir: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["report", str(run_dir)])
    assert result.exit_code == 0, result.output
    assert (run_dir / "report.html").is_file() and (run_dir / "README.md").is_file()
    out = tmp_path / "elsewhere" / "r.html"
    result = runner.invoke(app, ["report", str(run_dir), "--out", str(out), "--samples", "2", "--no-card"])
    assert result.exit_code == 0 and out.is_file()
    assert str(out) in result.output.replace("\n", "")


def test_stats_table_and_json(run_dir: Path) -> None:
    result = runner.invoke(app, ["stats", str(run_dir)])
    assert result.exit_code == 0, result.output
    for text in ("rows done", "converged", "83.3%", "valid ballots", "duplicate_prompt"):
        assert text in result.output
    result = runner.invoke(app, ["stats", str(run_dir), "--json"])
    data = json.loads(result.output)
    assert data["rows"] == 6 and data["failed"] == 2 and data["final_source"]["B"] == 2


def test_eval_writes_results_the_report_reads(run_dir: Path, judge: str) -> None:
    result = runner.invoke(app, ["eval", str(run_dir), str(FIXTURES / "single_shot.jsonl"), "--judge", judge,
                                 "--n-judges", "2", "--resamples", "200"])
    assert result.exit_code == 0, result.output
    data = json.loads((run_dir / "eval.json").read_text())
    assert data["overall"]["n"] == 6 and data["a"]["label"] == "run"
    assert (run_dir / "eval_pairs.jsonl").is_file() and (run_dir / "eval_cache.sqlite").is_file()
    assert "win rate" in result.output
    assert runner.invoke(app, ["report", str(run_dir)]).exit_code == 0
    assert "Blind evaluation: run vs single_shot" in (run_dir / "report.html").read_text()
    stats = runner.invoke(app, ["stats", str(run_dir)])
    assert "eval run vs single_shot" in stats.output


def test_eval_verifiable_only(tmp_path: Path) -> None:
    rows = [json.loads(line) for line in (FIXTURES / "nanoflux_run" / "data" / "part-00000.jsonl").open()]
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    a.write_text("".join(json.dumps({**r, "generation": f"Answer: {r['defender_answer']}"}) + "\n"
                         for r in rows))
    b.write_text("".join(json.dumps({"id": r["id"], "generation": "I do not know"}) + "\n" for r in rows))
    result = runner.invoke(app, ["eval", str(a), str(b), "--out", str(tmp_path / "res"),
                                 "--reference-field", "reference_answer", "--resamples", "200"])
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "res" / "eval.json").read_text())
    assert data["verifiable"]["a_accuracy"]["point"] == pytest.approx(3 / 5)  # defender right on even ids
    assert data["verifiable"]["b_accuracy"]["point"] == 0.0
    assert "verifiable (5 items)" in result.output


def test_push_dry_run_lists_the_upload(run_dir: Path) -> None:
    result = runner.invoke(app, ["push", str(run_dir), "--repo", "me/demo", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "would upload data/part-00000.jsonl" in result.output and "would upload README.md" in result.output
    assert 'load_dataset("me/demo"' in (run_dir / "README.md").read_text()


def test_user_errors_are_one_line(run_dir: Path, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "HF_TOKEN"}
    result = hadron("push", str(run_dir), "--repo", "me/demo", env=env)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "HF_TOKEN" in result.stderr
    result = hadron("report", str(tmp_path / "missing"))
    assert result.returncode == 2 and "not a run directory" in result.stderr
    assert "Traceback" not in result.stderr
    result = hadron("eval", str(run_dir), str(FIXTURES / "single_shot.jsonl"))
    assert result.returncode == 2 and "nothing to evaluate" in result.stderr
