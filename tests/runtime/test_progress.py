"""Progress display and the structured run log."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from rich.console import Console

from hadron.llm.accounting import Meter, Tally
from hadron.runtime.progress import Reporter, RunLog, count_lines
from hadron.runtime.stats import RunStats


def test_rich_bar_shows_rows_failures_calls_and_cost() -> None:
    stats, meter = RunStats(rows_done=3, rows_failed=1, rows_skipped=2), Meter()
    meter.add(Tally(calls=4, cache_hits=1, completion_tokens=40, cost_usd=0.25), role="generate", model="m")
    screen = io.StringIO()
    reporter = Reporter("rich", stats, meter, console=Console(file=screen, force_terminal=True, width=200))
    reporter.set_total(10)
    reporter.start()
    reporter.stop()
    text = screen.getvalue()
    for part in ("5/10 rows", "1 failed", "4 calls (1 cached)", "tok/s", "$0.2500"):
        assert part in text, text


def test_quiet_prints_plain_lines(capsys: pytest.CaptureFixture[str]) -> None:
    stats = RunStats(rows_done=7, rows_failed=2)
    reporter = Reporter("quiet", stats, Meter())
    reporter.set_total(10)
    reporter.start()
    reporter.stop()
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines[0].startswith("hadron run: 7/10 rows, 2 failed, 0 rejected, 0 calls (0 cached)")
    assert lines[-1].startswith("hadron run done: 7/10 rows")


def test_off_prints_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    reporter = Reporter("off", RunStats(), Meter())
    reporter.start()
    reporter.stop()
    assert capsys.readouterr() == ("", "")


def test_run_log_appends_json_events_with_a_session(tmp_path: Path) -> None:
    for _ in range(2):
        log = RunLog(tmp_path / "log.jsonl")
        log.event("start", rows=1)
        log.close()
    events = [json.loads(line) for line in (tmp_path / "log.jsonl").read_text().splitlines()]
    assert [e["event"] for e in events] == ["start", "start"] and events[0]["session"] != events[1]["session"]


def test_count_lines(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(b"x\ny\nz")
    assert count_lines(str(tmp_path / "a.txt")) == 3
    assert count_lines(str(tmp_path / "missing.txt")) is None
