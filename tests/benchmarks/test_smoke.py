"""The benchmark runner works end to end on a tiny hadron-only run (no peer venvs, no model): CI keeps
the scripts from rotting without timing anything."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

BENCHMARKS = Path(__file__).parents[2] / "benchmarks"


def test_run_all_quick_single_shot_renders_the_page(tmp_path: Path) -> None:
    results, docs = tmp_path / "results", tmp_path / "docs" / "benchmarks.md"
    finished = subprocess.run(
        [
            sys.executable,
            str(BENCHMARKS / "run_all.py"),
            "--quick",
            "--no-peers",
            "--only",
            "single_shot_throughput",
            "--results",
            str(results),
            "--docs",
            str(docs),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=None,
    )
    assert finished.returncode == 0, finished.stdout[-2000:] + finished.stderr[-2000:]
    report = json.loads((results / "single_shot_throughput.json").read_text())
    clients = report["results"]
    assert set(clients) == {"bare_aiohttp", "hadron", "hadron_nocache", "hadron_model_layer"}
    assert all(c["answered"] == c["requests"] == 1000 and not c.get("failed") for c in clients.values())
    assert clients["hadron"]["ratio_to_hadron"] == 1.0
    page = docs.read_text()
    assert "## Single-shot throughput, side by side" in page and "bare aiohttp loop" in page
    assert (docs.parent / "benchmarks" / "single_shot.svg").read_text().startswith("<svg")
    assert (
        json.loads((results / "run_all.json").read_text())["runs"]["single_shot_throughput"]["exit_code"] == 0
    )
