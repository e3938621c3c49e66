"""Exit codes scripts can trust, the same for every command, and repeated input ids.

0: every input row is done (rejects by design count as done); 1: some rows are in ``errors.jsonl``, after
the summary; 2: bad input or config, one ``error:`` line, before any model call. Every case checks the
code, the one line, and that nothing an earlier run computed was lost. The model is the fault server, or
a port where nothing listens (``max_retries: 0``: a refused connection fails the row at once).
"""

from __future__ import annotations

import json
import shutil
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from hadron.testing import FaultServer

from .conftest import read_jsonl, read_rows, write_prompts
from .test_bad_inputs import BAD, Cli, pipeline_yaml, run_cli

Hadron = Callable[..., Cli]


@pytest.fixture(scope="module")
def server() -> Iterator[FaultServer]:
    with FaultServer(latency_s=0.002) as running:
        yield running


@pytest.fixture
def hadron(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Hadron:
    def call(*args: str) -> Cli:
        return run_cli(monkeypatch, capsys, *args)

    return call


@pytest.fixture
def earlier_run(hadron: Hadron, tmp_path: Path, server: FaultServer) -> Iterator[Path]:
    """A run directory holding a finished 4-row run; on teardown its shards must be exactly as they were."""
    run_dir = tmp_path / "run"
    pipeline = pipeline_yaml(tmp_path, write_prompts(tmp_path / "good.jsonl", 4), server)
    assert hadron("run", str(pipeline), "--out", str(run_dir), "-q").code == 0
    before = {p.name: p.read_bytes() for p in (run_dir / "data").iterdir()}
    yield run_dir
    assert {p.name: p.read_bytes() for p in (run_dir / "data").iterdir()} == before
    assert json.loads((run_dir / "manifest.json").read_text())["rows"] == 4


def dead_model() -> dict[str, Any]:
    """A model on a local port nobody listens on; the connection is refused and the row fails at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return {"spec": f"http://127.0.0.1:{port}/v1#nobody", "max_retries": 0}


def write_yaml(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(data))
    return path


def autoreason_config(tmp_path: Path, model: Any) -> Path:
    return write_yaml(tmp_path / "autoreason.yaml", {"model": model, "max_passes": 1, "n_judges": 2})


# -- 1: rows in errors.jsonl --------------------------------------------------------------------------


def test_run_whose_rows_all_fail_exits_1(hadron: Hadron, tmp_path: Path) -> None:
    source = write_prompts(tmp_path / "p.jsonl", 3)
    pipeline = write_yaml(tmp_path / "p.yaml", {
        "source": {"path": str(source)},
        "steps": [{"step": "generate", "name": "answer", "model": dead_model()}]})
    cli = hadron("run", str(pipeline), "--out", str(tmp_path / "run"), "-q")
    assert cli.code == 1
    assert "3 rows failed" in cli.err and "--retry-errors" in cli.err
    assert len(read_jsonl(tmp_path / "run" / "errors.jsonl")) == 3


def test_autoreason_whose_rows_all_fail_exits_1(hadron: Hadron, tmp_path: Path) -> None:
    source = write_prompts(tmp_path / "p.jsonl", 3)
    cli = hadron("autoreason", str(source), "--out", str(tmp_path / "run"), "-q",
                 "--config", str(autoreason_config(tmp_path, dead_model())))
    assert cli.code == 1
    assert "3 rows failed" in cli.err and "rows done / failed" in cli.out  # the summary still prints
    assert len(read_jsonl(tmp_path / "run" / "errors.jsonl")) == 3


def test_nanoflux_whose_rounds_all_fail_exits_1(hadron: Hadron, tmp_path: Path) -> None:
    dead = dead_model()
    config = write_yaml(tmp_path / "nanoflux.yaml", {
        "attacker": {"model": dead}, "defender": {"model": dead}, "judge": {"model": dead},
        "per_domain": 1, "max_rounds": 2, "concurrency": 2})
    cli = hadron("nanoflux", "--out", str(tmp_path / "run"), "--config", str(config), "-q")
    assert cli.code == 1
    assert "round(s) failed" in cli.err
    assert read_jsonl(tmp_path / "run" / "errors.jsonl")


def test_agentic_whose_episodes_all_fail_exits_1(hadron: Hadron, tmp_path: Path) -> None:
    dead = dead_model()
    config = write_yaml(tmp_path / "agentic.yaml", {"teacher": dead, "reviewer": dead})
    cli = hadron("agentic", "--out", str(tmp_path / "run"), "--config", str(config), "--scenarios", "orders",
                 "--episodes", "2", "--no-progress")
    assert cli.code == 1
    assert "0 episodes saved" in cli.out and "2 errors" in cli.out
    assert len(read_jsonl(tmp_path / "run" / "errors.jsonl")) == 2


def test_distill_stopped_by_a_refusing_student_exits_1(hadron: Hadron, tmp_path: Path) -> None:
    gold = tmp_path / "gold.jsonl"
    gold.write_text("".join(json.dumps({"id": f"g{n}", "input": f"ticket {n}", "label": {"intent": "refund"}})
                            + "\n" for n in range(4)))
    with FaultServer(status=400) as refusing:  # every call refused: not retried, the command stops
        spec = refusing.spec()
        cli = hadron("distill", str(gold), "--baseline", "Classify the ticket.", "--out", str(tmp_path / "d"),
                     "--model", spec, "--optimizer-model", spec, "--categorical", "intent")
    assert cli.code == 1  # the input was fine: a model call failed
    (line,) = cli.error_lines()
    assert "configured to answer 400" in line


# -- 2: bad input or config, before any call ----------------------------------------------------------

INPUTS = [  # what the file holds (bytes, or a name in bad_inputs/), the message after "error: FILE"
    ("empty.jsonl", b"", ": file is empty"),
    ("all_bad.jsonl", b'{"prompt": "caf\xe9"}\n[1]\n{"prompt": null}\n',
     ":1: not UTF-8 (byte 0xe9 at column 16); 2 more skipped, no rows left"),
    ("no_prompt_column.jsonl", b'{"question": "why?"}\n', ":1: unknown column 'prompt' (columns: question)"),
    ("not_parquet.parquet", "not_parquet.parquet",
     ": not a readable parquet file: Parquet magic bytes not found in footer. Either the file is corrupted "
     "or this is not a parquet file."),
    ("duplicate_ids.jsonl", "duplicate_ids.jsonl",
     ":3: duplicate id 'b1' (first at {source}:1); 1 repeated id in all "
     "(--on-duplicate-id keep-first keeps the first row of each id)"),
]
COMMANDS = ["run", "autoreason"]


def prompts_command(command: str, tmp_path: Path, source: Path, out: Path, server: FaultServer) -> list[str]:
    if command == "run":  # the earlier run's steps; ids from the input's id column when it has one
        pipeline = pipeline_yaml(tmp_path, source, server)
        pipeline.write_text(pipeline.read_text().replace(", id_column: id", ""))
        return ["run", str(pipeline), "--out", str(out), "-q"]
    config = autoreason_config(tmp_path, server.spec())
    return ["autoreason", str(source), "--out", str(out), "--config", str(config), "-q"]


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize(("name", "content", "message"), INPUTS, ids=[i[0] for i in INPUTS])
def test_bad_input_stops_before_any_call(hadron: Hadron, tmp_path: Path, server: FaultServer,
                                         earlier_run: Path, command: str, name: str, content: bytes | str,
                                         message: str) -> None:
    source = tmp_path / name
    if isinstance(content, str):
        shutil.copy(BAD / content, source)
    else:
        source.write_bytes(content)
    server.clear()
    cli = hadron(*prompts_command(command, tmp_path, source, earlier_run, server))
    assert cli.code == 2
    assert cli.error_lines() == [f"error: {source}{message.format(source=source)}"]
    assert server.chat_requests() == []


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize(("where", "message"), [
    ("missing.jsonl", ": cannot read: no such file"), ("folder.jsonl", ": cannot read: is a directory")])
def test_a_path_that_is_no_file_stops_before_any_call(hadron: Hadron, tmp_path: Path, server: FaultServer,
                                                      earlier_run: Path, command: str, where: str,
                                                      message: str) -> None:
    source = tmp_path / where
    if where == "folder.jsonl":
        source.mkdir()
    server.clear()
    cli = hadron(*prompts_command(command, tmp_path, source, earlier_run, server))
    assert cli.code == 2
    (line,) = cli.error_lines()
    assert line.startswith(f"error: {source}{message}")
    assert server.chat_requests() == []


def test_unknown_step_kind_is_one_line(hadron: Hadron, tmp_path: Path, server: FaultServer,
                                       earlier_run: Path) -> None:
    source = write_prompts(tmp_path / "p.jsonl", 2)
    pipeline = tmp_path / "p.yaml"
    pipeline.write_text(f"source: {{path: {source}}}\nsteps:\n  - step: genrate\n    name: answer\n")
    cli = hadron("run", str(pipeline), "--out", str(earlier_run), "-q")
    assert cli.code == 2
    (line,) = cli.error_lines()
    assert line.startswith(f"error: {pipeline}:3:") and "genrate" in line


SETTINGS = [  # the config file's text, what the line says after "error: FILE"
    ("unknown.yaml", "concurrency: 2\nwhatever: 1\n", ":2: whatever: unknown key"),
    ("broken.yaml", "concurrency: [2\n", ":2: invalid YAML"),
]


@pytest.mark.parametrize("command", ["autoreason", "nanoflux", "agentic"])
@pytest.mark.parametrize(("name", "text", "message"), SETTINGS, ids=[s[0] for s in SETTINGS])
def test_bad_task_settings_are_one_line(hadron: Hadron, tmp_path: Path, server: FaultServer, command: str,
                                        name: str, text: str, message: str) -> None:
    config = tmp_path / name
    config.write_text(text.replace("concurrency", "n_judges" if command == "autoreason" else "concurrency"))
    out = tmp_path / "run"
    prompts = [str(write_prompts(tmp_path / "p.jsonl", 1))] if command == "autoreason" else []
    server.clear()
    cli = hadron(command, *prompts, "--out", str(out), "--config", str(config))
    assert cli.code == 2
    (line,) = cli.error_lines()
    assert line.startswith(f"error: {config}{message}")
    assert server.chat_requests() == [] and not out.exists()


@pytest.mark.parametrize("command", ["autoreason", "nanoflux", "agentic"])
def test_a_settings_path_that_is_a_directory_is_one_line(hadron: Hadron, tmp_path: Path,
                                                         command: str) -> None:
    prompts = [str(write_prompts(tmp_path / "p.jsonl", 1))] if command == "autoreason" else []
    cli = hadron(command, *prompts, "--out", str(tmp_path / "run"), "--config", str(tmp_path))
    assert cli.code == 2
    (line,) = cli.error_lines()
    assert line.startswith(f"error: {tmp_path}")


# -- repeated ids kept first: rejects count as done ---------------------------------------------------


def test_keep_first_records_repeats_resumes_retries_and_exports_each_id_once(
        hadron: Hadron, tmp_path: Path, server: FaultServer) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps(row) + "\n" for row in [
        {"id": "a", "prompt": "first a"}, {"id": "b", "prompt": "only b"}, {"id": "a", "prompt": "second a"},
        {"id": "c", "prompt": "only c"}, {"id": "a", "prompt": "third a"}]))
    out = tmp_path / "run"
    args = ["autoreason", str(source), "--out", str(out), "-q", "--on-duplicate-id", "keep-first",
            "--config", str(autoreason_config(tmp_path, server.spec()))]

    first = hadron(*args)
    assert first.code == 0, first.err
    rows = read_rows(out)
    assert sorted((row["id"], row["prompt"]) for row in rows) == [
        ("a", "first a"), ("b", "only b"), ("c", "only c")]
    rejects = read_jsonl(out / "rejects.jsonl")
    assert [(r["reason"], r["detail"]["id"], r["detail"]["line"], r["detail"]["first_line"])
            for r in rejects] == [("duplicate_id", "a", 3, 1), ("duplicate_id", "a", 5, 1)]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["rejected"] == {"duplicate_id": 2} and manifest["errors"] == 0

    calls = len(server.chat_requests())
    again = hadron(*args)  # resume: everything is done, repeats are not recorded twice
    assert again.code == 0, again.err
    assert len(server.chat_requests()) == calls
    assert len(read_jsonl(out / "rejects.jsonl")) == 2 and len(read_rows(out)) == 3

    replay = hadron("run", str(out / "config.yaml"), "--out", str(out), "-q", "--retry-errors")
    assert replay.code == 0, replay.err
    assert len(read_jsonl(out / "rejects.jsonl")) == 2 and len(read_rows(out)) == 3

    exported = read_jsonl(out / "exports" / "sft.trl.jsonl")
    prompts = sorted(next(m["content"] for m in record["messages"] if m["role"] == "user")
                     for record in exported)
    assert prompts == ["first a", "only b", "only c"]
