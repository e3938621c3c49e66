"""The bad-input corpus (``bad_inputs/``): every broken file gives one clear line or a recorded error row.

Each case runs the real CLI in-process into a run directory that already holds a finished run, and
checks: exit code 2 with exactly one ``error:`` line naming ``file:line`` (or the key), or exit 1 with
each bad record in ``errors.jsonl``; no traceback; and the earlier run's shards byte-for-byte intact.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from hadron.cli import main
from hadron.testing import FaultServer

from .conftest import read_jsonl, read_rows, write_prompts

BAD = Path(__file__).parent / "bad_inputs"


@pytest.fixture(scope="module")
def server() -> Iterator[FaultServer]:
    with FaultServer(latency_s=0.002) as running:
        yield running


@dataclass
class Cli:
    code: int
    out: str
    err: str

    def error_lines(self) -> list[str]:
        return [line for line in self.err.splitlines() if line.startswith("error:")]


def run_cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str) -> Cli:
    """``hadron ARGS`` in this process; any exception other than the CLI's own exit fails the test."""
    capsys.readouterr()
    monkeypatch.setattr("sys.argv", ["hadron", *args])
    monkeypatch.setenv("COLUMNS", "400")  # one error line stays one line
    code = 0
    try:
        main()
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out
    return Cli(code, captured.out, captured.err)


Hadron = Callable[..., Cli]


@pytest.fixture
def hadron(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Hadron:
    def call(*args: str) -> Cli:
        return run_cli(monkeypatch, capsys, *args)

    return call


def pipeline_yaml(tmp_path: Path, source: Path, server: FaultServer, *, template: str | None = None) -> Path:
    """A single-shot pipeline on ``source`` (or a corpus YAML with PROMPTS/MODEL filled in, line for line)."""
    text = (BAD / template).read_text() if template else (
        "source: {path: PROMPTS, id_column: id}\n"
        "steps:\n"
        "  - step: generate\n"
        "    name: answer\n"
        "    model: MODEL\n"
        "sink: {format: jsonl, shard_rows: 3}\n")
    path = tmp_path / (template or f"{source.stem}.yaml")
    path.write_text(text.replace("PROMPTS", str(source)).replace("MODEL", json.dumps(server.spec())))
    return path


@pytest.fixture
def earlier_run(hadron: Hadron, tmp_path: Path, server: FaultServer) -> Iterator[Path]:
    """A run directory holding a finished 7-row run; on teardown its shards must be exactly as they were."""
    prompts = write_prompts(tmp_path / "good.jsonl", 7)
    run_dir = tmp_path / "run"
    assert hadron("run", str(pipeline_yaml(tmp_path, prompts, server)), "--out", str(run_dir), "-q").code == 0
    before = {p.name: p.read_bytes() for p in (run_dir / "data").iterdir()}
    assert len(before) == 3
    yield run_dir
    after = {p.name: p.read_bytes() for p in (run_dir / "data").iterdir()}
    assert {name: after.get(name) for name in before} == before
    assert {f"r{i}" for i in range(7)} <= {row["id"] for row in read_rows(run_dir)}
    assert json.loads((run_dir / "manifest.json").read_text())["rows"] >= 7


RECORDED = [  # file, lines recorded in errors.jsonl, what the first message says, rows kept
    ("malformed.jsonl", [3], "invalid JSON", 3),
    ("truncated.jsonl", [3], "invalid JSON", 2),
    ("not_utf8.jsonl", [2], "not UTF-8 (byte 0xe9", 2),
    ("empty_prompts.jsonl", [2, 3, 4, 5, 6], "empty prompt in column 'prompt'", 2),
    ("not_objects.jsonl", [2, 3], "expected a JSON object, got list", 2),
    ("null_prompt.parquet", [2], "missing or null column 'prompt'", 2),
]


@pytest.mark.parametrize(("name", "lines", "message", "kept"), RECORDED, ids=[r[0] for r in RECORDED])
def test_bad_records_become_error_rows(hadron: Hadron, tmp_path: Path, server: FaultServer,
                                       earlier_run: Path, name: str, lines: list[int], message: str,
                                       kept: int) -> None:
    source = Path(shutil.copy(BAD / name, tmp_path / name))
    rows_before = len(read_rows(earlier_run))
    cli = hadron("run", str(pipeline_yaml(tmp_path, source, server)), "--out",
                 str(earlier_run), "-q")
    assert cli.code == 1
    (line,) = cli.error_lines()
    assert f"{source}:{lines[0]}: {message}" in line and "errors.jsonl" in line
    recorded = [e for e in read_jsonl(earlier_run / "errors.jsonl") if e["step"] == "source"]
    assert [(e["file"], e["line"]) for e in recorded] == [(str(source), n) for n in lines]
    assert len(read_rows(earlier_run)) == rows_before + kept


def test_strict_stops_at_the_first_bad_line(hadron: Hadron, tmp_path: Path, server: FaultServer,
                                            earlier_run: Path) -> None:
    source = Path(shutil.copy(BAD / "malformed.jsonl", tmp_path / "malformed.jsonl"))
    cli = hadron("run", str(pipeline_yaml(tmp_path, source, server)), "--out",
                 str(earlier_run), "-q", "--strict")
    assert cli.code == 2
    (line,) = cli.error_lines()
    assert line == f"error: {source}:3: invalid JSON: Unterminated string starting at column 24"


@pytest.mark.parametrize(("name", "message"), [
    ("wrong_types.parquet", "column 'prompt' has type int64, expected string"),
    ("not_parquet.parquet", "not a readable parquet file"),
])
def test_unreadable_sources_stop_before_any_call(hadron: Hadron, tmp_path: Path, server: FaultServer,
                                                 earlier_run: Path, name: str, message: str) -> None:
    source = Path(shutil.copy(BAD / name, tmp_path / name))
    server.clear()
    cli = hadron("run", str(pipeline_yaml(tmp_path, source, server)), "--out",
                 str(earlier_run), "-q")
    assert cli.code == 2
    (line,) = cli.error_lines()
    assert line.startswith(f"error: {source}: {message}")
    assert server.chat_requests() == []


CONFIGS = [  # corpus YAML, line, key and message
    ("unknown_key.yaml", 7, "steps[0].temprature: unknown key"),
    ("wrong_type.yaml", 7, "steps[0].temperature: Input should be a valid number"),
    ("unknown_top_key.yaml", 6, "sinks: unknown key"),
    ("wrong_sink_type.yaml", 6, "sink.shard_rows: Input should be a valid integer"),
    ("broken_syntax.yaml", 2, "invalid YAML"),
    ("not_utf8.yaml", 2, "not UTF-8 text (byte 0xe9)"),
]


@pytest.mark.parametrize(("name", "line", "message"), CONFIGS, ids=[c[0] for c in CONFIGS])
def test_bad_pipeline_yaml_is_one_line_with_file_line_and_key(
        hadron: Hadron, tmp_path: Path, server: FaultServer, earlier_run: Path, name: str, line: int,
        message: str) -> None:
    source = write_prompts(tmp_path / "more.jsonl", 2, start=100)
    if name == "not_utf8.yaml":
        config = Path(shutil.copy(BAD / name, tmp_path / name))
    else:
        config = pipeline_yaml(tmp_path, source, server, template=name)
    cli = hadron("run", str(config), "--out", str(earlier_run), "-q")
    assert cli.code == 2
    (first,) = cli.error_lines()
    assert first.startswith(f"error: {config}:{line}: {message}")


def test_a_one_megabyte_prompt_is_answered(hadron: Hadron, tmp_path: Path, server: FaultServer) -> None:
    huge = "word " * 200_000 + "end"
    source = tmp_path / "huge.jsonl"
    source.write_text(json.dumps({"id": "huge", "prompt": huge}) + "\n"
                      + json.dumps({"id": "small", "prompt": "a small one"}) + "\n")
    server.clear()
    cli = hadron("run", str(pipeline_yaml(tmp_path, source, server)), "--out",
                 str(tmp_path / "run"), "-q")
    assert cli.code == 0, cli.err
    rows = {row["id"]: row for row in read_rows(tmp_path / "run")}
    assert set(rows) == {"huge", "small"} and len(rows["huge"]["prompt"]) > 1_000_000
    assert max(len(json.dumps(r.body)) for r in server.chat_requests()) > 1_000_000


@pytest.mark.parametrize(("config", "message"), [
    ("judge:\n  max_reask: 2\n", "autoreason.yaml:3: judge.max_reask: unknown key"),
    ("n_judges: three\n", "autoreason.yaml:2: n_judges: Input should be a valid integer"),
])
def test_bad_autoreason_config_is_one_line(hadron: Hadron, tmp_path: Path, server: FaultServer, config: str,
                                           message: str) -> None:
    path = tmp_path / "autoreason.yaml"
    path.write_text(f"model: {json.dumps(server.spec())}\n{config}")
    prompts = write_prompts(tmp_path / "p.jsonl", 2)
    cli = hadron("autoreason", str(prompts), "--out", str(tmp_path / "run"),
                 "--config", str(path), "-q")
    assert cli.code == 2
    (line,) = cli.error_lines()
    assert str(path) in line and message in line


def test_autoreason_command_reports_skipped_input(hadron: Hadron, tmp_path: Path, server: FaultServer,
                                                  ) -> None:
    path = tmp_path / "autoreason.yaml"
    path.write_text(f"model: {json.dumps(server.spec())}\nmax_passes: 1\n")
    source = Path(shutil.copy(BAD / "empty_prompts.jsonl", tmp_path / "empty_prompts.jsonl"))
    cli = hadron("autoreason", str(source), "--out", str(tmp_path / "run"),
                 "--config", str(path), "-q")
    assert len(read_rows(tmp_path / "run")) == 2
    assert cli.code == 1
    assert any(f"{source}:2: empty prompt" in line for line in cli.error_lines())


def distill(hadron: Hadron, tmp_path: Path,
            server: FaultServer, gold: Path) -> Cli:
    return hadron("distill", str(gold), "--baseline", "Classify the ticket.",
                   "--out", str(tmp_path / "distill"), "--model", server.spec(), "--optimizer-model",
                   server.spec(), "--categorical", "intent")


def test_gold_with_duplicate_ids(hadron: Hadron, tmp_path: Path, server: FaultServer) -> None:
    gold = Path(shutil.copy(BAD / "gold_duplicate_ids.jsonl", tmp_path / "gold.jsonl"))
    server.clear()
    cli = distill(hadron, tmp_path, server, gold)
    assert cli.code == 2
    assert cli.error_lines() == [f"error: {gold}:3: duplicate id 'g1' (first seen on line 1)"]
    assert server.chat_requests() == []


def test_gold_that_is_not_utf8(hadron: Hadron, tmp_path: Path, server: FaultServer) -> None:
    gold = Path(shutil.copy(BAD / "gold_not_utf8.jsonl", tmp_path / "gold.jsonl"))
    cli = distill(hadron, tmp_path, server, gold)
    assert cli.code == 2
    (line,) = cli.error_lines()
    assert line.startswith(f"error: {gold}:2: not UTF-8")
