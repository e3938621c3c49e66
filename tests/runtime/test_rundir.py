"""The run directory's one owner: names, lock, state, stats, records and the finishers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hadron.errors import ConfigError, InputError
from hadron.qa.rundir import RunDir as QaRunDir
from hadron.runtime import rundir
from hadron.runtime.progress import RunLog
from hadron.runtime.rundir import RunDir
from hadron.runtime.stats import RunStats


def test_one_session_at_a_time_and_only_for_its_pipeline(tmp_path: Path) -> None:
    first = RunDir(tmp_path / "run")
    state = first.begin(config={"steps": []}, config_hash="abc")
    assert state == {} and (tmp_path / "run" / "config.yaml").read_text() == "steps: []\n"
    with pytest.raises(ConfigError, match="is in use by another hadron run"):
        RunDir(tmp_path / "run").begin(config={"steps": []}, config_hash="abc")
    first.write_state(config_hash="abc", created="then", clean=True, executor="local")
    first.release()
    second = RunDir(tmp_path / "run")
    assert second.begin(config={"steps": []}, config_hash="abc")["created"] == "then"
    second.release()
    with pytest.raises(ConfigError, match="holds a run of a different pipeline"):
        RunDir(tmp_path / "run").begin(config={}, config_hash="other")


def test_state_file_is_the_same_for_both_executors_but_the_executor_key(tmp_path: Path) -> None:
    run = RunDir(tmp_path)
    run.checkpoint_dir.mkdir()
    run.write_state(config_hash="h", created="c", clean=False, executor="local")
    local = json.loads(run.state_path.read_text())
    run.write_state(config_hash="h", created="c", clean=False, executor="ray")
    ray = json.loads(run.state_path.read_text())
    assert list(local) == ["config_hash", "created", "clean", "hadron_version"]
    assert list(ray) == ["config_hash", "created", "clean", "executor", "hadron_version"]


def test_stats_add_up_over_sessions(tmp_path: Path) -> None:
    """Counts add up; the model tallies are the run's totals (derived from its journal), so they are set."""
    run = RunDir(tmp_path)
    run.add_stats(RunStats(rows_in=3, rows_out=2), {"judge": {"calls": 4}})
    run.add_stats(RunStats(rows_in=1, rows_out=1), {"judge": {"calls": 5}})
    stats = run.read_stats()
    assert (stats["rows_in"], stats["rows_out"], stats["models"]["judge"]["calls"]) == (4, 3, 5)


def test_a_torn_multibyte_tail_is_a_torn_line_not_an_error(tmp_path: Path) -> None:
    """A killed writer can stop inside a UTF-8 character; QA used to fail on that file (not UTF-8)."""
    whole = json.dumps({"id": "a", "message": "déjà"}, ensure_ascii=False) + "\n"
    torn = json.dumps({"id": "b", "message": "é"}, ensure_ascii=False).encode()[:-3]
    (tmp_path / "errors.jsonl").write_bytes(whole.encode() + torn)
    assert [r["id"] for r in RunDir(tmp_path).records("errors")] == ["a"]
    assert [r["id"] for r in QaRunDir.open(tmp_path).iter_log("errors")] == ["a"]


def test_a_malformed_line_inside_a_records_file_names_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "rejects.jsonl").write_text('{"id": "a"}\n{oops\n{"id": "c"}\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"rejects.jsonl:2: invalid JSON"):
        list(RunDir(tmp_path).records("rejects"))


def test_missing_rows_are_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such run directory"):
        RunDir(tmp_path / "nope").require_shards()
    with pytest.raises(InputError, match="no data shards"):
        RunDir(tmp_path).require_shards()
    assert list(RunDir(tmp_path).rows()) == []


def test_a_failing_finisher_is_logged_and_never_fails_the_run(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[Path] = []

    class Entry:
        def __init__(self, name: str, target: Any) -> None:
            self.name, self.target = name, target

        def load(self) -> Any:
            return self.target

    def broken(path: Path) -> None:
        raise OSError("disk full")

    entries = [Entry("card", broken), Entry("after", seen.append)]
    monkeypatch.setattr(rundir, "entry_points", lambda group: entries if group == rundir.FINISHERS else [])
    log = RunLog(tmp_path / "log.jsonl")
    RunDir(tmp_path).finish(log)
    log.close()
    events = [json.loads(line) for line in (tmp_path / "log.jsonl").read_text().splitlines()]
    assert seen == [tmp_path]
    assert [(e["event"], e["error"]) for e in events] == [("card_failed", "OSError: disk full")]


def test_the_dataset_card_is_an_installed_finisher() -> None:
    from importlib.metadata import entry_points

    from hadron.qa.card import write_dataset_card

    found = {e.name: e.load() for e in entry_points(group=rundir.FINISHERS)}
    assert found["card"] is write_dataset_card


def test_a_stats_section_survives_later_sessions(tmp_path: Path) -> None:
    run = RunDir(tmp_path)
    run.add_stats(RunStats(rows_done=2), {"judge": {"calls": 3}})
    run.write_stats_section("position_bias", {"all": {"ballots": 6, "first_shown": 6}})
    run.add_stats(RunStats(rows_done=1), {"judge": {"calls": 4}})
    stats = run.read_stats()
    assert stats["rows_done"] == 3 and stats["models"]["judge"]["calls"] == 4
    assert stats["position_bias"] == {"all": {"ballots": 6, "first_shown": 6}}
