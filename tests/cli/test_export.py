"""``hadron export``: writes the files, prints the counts, and turns bad input into one line (exit 2)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from hadron.cli import main

FIXTURE_ROWS = Path(__file__).parents[1] / "data" / "exports" / "fixtures" / "rows.jsonl"


def run_cli(monkeypatch: pytest.MonkeyPatch, *args: str) -> int:
    monkeypatch.setattr("sys.argv", ["hadron", *args])
    monkeypatch.setenv("COLUMNS", "200")
    try:
        main()
    except SystemExit as exit_:
        return int(exit_.code or 0)
    return 0


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    (tmp_path / "run" / "data").mkdir(parents=True)
    shutil.copy(FIXTURE_ROWS, tmp_path / "run" / "data" / "part-00000.jsonl")
    return tmp_path / "run"


def test_export_writes_files_and_prints_counts(monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str],
                                               run_dir: Path, tmp_path: Path) -> None:
    code = run_cli(monkeypatch, "export", str(run_dir), "--format", "sft-openai", "--format", "dpo-trl",
                   "--out", str(tmp_path / "out"))
    out = capsys.readouterr().out
    assert code == 0
    assert sorted(path.name for path in (tmp_path / "out").iterdir()) == [
        "README.md", "dpo.trl.jsonl", "sft.openai.jsonl"]
    lines = (tmp_path / "out" / "dpo.trl.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 10 and all(json.loads(line)["margin"] >= 1 for line in lines)
    assert "sft-openai" in out and "dpo-trl" in out
    assert "void_pass=1" in out and "short_circuit_pass=1" in out


def test_export_all_defaults_to_run_exports(monkeypatch: pytest.MonkeyPatch, run_dir: Path) -> None:
    assert run_cli(monkeypatch, "export", str(run_dir)) == 0
    assert len(list((run_dir / "exports").glob("*.jsonl"))) == 11
    assert (run_dir / "exports" / "README.md").is_file()
    assert (run_dir / "exports" / "dataset_info.json").is_file()


def test_preference_options_change_the_pairs_and_say_what_was_left_out(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], run_dir: Path) -> None:
    def pairs(*options: str) -> tuple[list[int], str]:
        assert run_cli(monkeypatch, "export", str(run_dir), "-f", "dpo-trl", *options) == 0
        lines = (run_dir / "exports" / "dpo.trl.jsonl").read_text(encoding="utf-8").splitlines()
        return [json.loads(line)["margin"] for line in lines], capsys.readouterr().out

    best, out = pairs()
    assert len(best) == 10 and "not_best_pair=6" in out
    every, out = pairs("--pairs", "all")
    assert len(every) == 16 and "not_best_pair" not in out
    strict, out = pairs("--pairs", "all", "--min-margin", "4")
    assert min(strict) >= 4 and len(strict) == sum(m >= 4 for m in every) and "below_min_margin=" in out


def test_a_format_with_no_records_writes_no_file_and_says_so(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], run_dir: Path) -> None:
    rows = [json.loads(line) for line in FIXTURE_ROWS.read_text(encoding="utf-8").splitlines()
            if line.strip()]
    (run_dir / "data" / "part-00000.jsonl").write_text(
        "".join(json.dumps(row) + "\n" for row in rows if row["id"] == "capital-fr"), encoding="utf-8")
    (run_dir / "exports").mkdir()
    (run_dir / "exports" / "cot.jsonl").write_text('{"stale": true}\n', encoding="utf-8")
    assert run_cli(monkeypatch, "export", str(run_dir), "-f", "sft-trl,cot,dpo-sharegpt") == 0
    out = capsys.readouterr().out
    assert sorted(p.name for p in (run_dir / "exports").iterdir()) == ["README.md", "sft.trl.jsonl"]
    assert out.count("no file: no records") == 2 and "no_reasoning=1" in out and "no_trace=1" in out
    readme = (run_dir / "exports" / "README.md").read_text(encoding="utf-8")
    assert "`cot.jsonl`: no_reasoning=1" in readme and "`dpo.sharegpt.jsonl`: no_trace=1" in readme


def test_unknown_pairs_mode_is_one_line_and_exit_2(monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str], run_dir: Path) -> None:
    assert run_cli(monkeypatch, "export", str(run_dir), "--pairs", "some") == 2
    err = capsys.readouterr().err
    assert "--pairs" in err and "best-vs-rest" in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(("setup", "message"), [
    ("missing", "no such run directory"),
    ("no-shards", "no data shards"),
    ("bad-format", "unknown export format 'alpaca'"),
])
def test_bad_input_is_one_line_and_exit_2(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                          tmp_path: Path, run_dir: Path, setup: str, message: str) -> None:
    target = {"missing": tmp_path / "nope", "no-shards": tmp_path / "empty", "bad-format": run_dir}[setup]
    (tmp_path / "empty" / "data").mkdir(parents=True)
    args = ["export", str(target)] + (["--format", "alpaca"] if setup == "bad-format" else [])
    assert run_cli(monkeypatch, *args) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
