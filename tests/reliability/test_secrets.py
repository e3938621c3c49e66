"""An API key never reaches disk: runs with a recognisable fake key write nothing that contains it.

The key goes in the environment variable a model config names (``api_key_env``). Three commands run as
a user would run them (``hadron autoreason`` with retries and failing rows, ``hadron run`` against a
server that answers 401, ``hadron report``); then every file under the test's directory (outputs,
logs, request cache and its WAL, manifest, config.yaml, stats, exports, report, card) and every line
the commands printed is searched for the key. The server must have received it, so the test can fail.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from hadron.testing import FaultServer

from .conftest import (
    FAULTS,
    HADRON,
    SERVER_OPTIONS,
    model_entry,
    scripted_reply,
    subprocess_env,
    write_pipeline,
    write_prompts,
)

KEY_ENV = "HADRON_TEST_KEY"
SECRET = "sk-hadron-SECRET-123"


@pytest.fixture(scope="module")
def server() -> Iterator[FaultServer]:
    with FaultServer(faults=FAULTS, reply=scripted_reply, seed=3, **SERVER_OPTIONS) as running:
        yield running


def hadron(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([HADRON, *map(str, args)], env=subprocess_env(**{KEY_ENV: SECRET}),
                          capture_output=True, text=True, timeout=120)


def files_containing(root: Path, needle: bytes) -> list[Path]:
    return [p for p in sorted(root.rglob("*")) if p.is_file() and needle in p.read_bytes()]


def test_no_file_a_run_writes_holds_the_api_key(server: FaultServer, tmp_path: Path) -> None:
    prompts = write_prompts(tmp_path / "prompts.jsonl", 30)
    with open(prompts, "a", encoding="utf-8") as handle:
        handle.write(json.dumps({"id": "empty", "prompt": ""}) + "\n")  # an input error row
    model = {**model_entry(server.base_url, key_env=KEY_ENV), "max_retries": 1}  # some rows fail
    settings = tmp_path / "autoreason.yaml"
    settings.write_text(yaml.safe_dump({"model": model, "max_passes": 2, "judge": {"ballot": "text"}}))
    server.clear()
    printed: list[str] = []

    refined = hadron("autoreason", prompts, "--out", tmp_path / "refined", "--config", settings, "-q")
    printed += [refined.stdout, refined.stderr]
    assert refined.returncode in (0, 1), refined.stderr
    failed = [json.loads(line) for line in (tmp_path / "refined" / "errors.jsonl").read_text().splitlines()]
    assert {e["step"] for e in failed} >= {"source", "autoreason"}  # both kinds of error rows were written

    with FaultServer(status=401) as refusing:  # every call rejected: the hint names the variable
        pipeline = write_pipeline(tmp_path / "pipeline.yaml", prompts,
                                  {"step": "generate", "name": "answer",
                                   "model": model_entry(refusing.base_url, key_env=KEY_ENV)})
        rejected = hadron("run", pipeline, "--out", tmp_path / "rejected", "-q")
        printed += [rejected.stdout, rejected.stderr]
        assert refusing.chat_requests()[0].headers.get("Authorization") == f"Bearer {SECRET}"
    assert KEY_ENV in (tmp_path / "rejected" / "errors.jsonl").read_text()

    report = hadron("report", tmp_path / "refined")
    printed += [report.stdout, report.stderr]
    assert report.returncode == 0, report.stderr
    assert (tmp_path / "refined" / "report.html").exists()

    chat = server.chat_requests()
    assert chat and all(r.headers.get("Authorization") == f"Bearer {SECRET}" for r in chat)
    written = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    for expected in ("refined/cache.sqlite", "refined/manifest.json", "refined/config.yaml",
                     "refined/stats.json", "refined/log.jsonl", "refined/errors.jsonl"):
        assert expected in written
    assert any(name.startswith("refined/exports/") for name in written)
    assert files_containing(tmp_path, SECRET.encode()) == []
    assert not any(SECRET in text for text in printed)


async def test_storage_options_values_stay_out_of_the_run_directory(tmp_path: Path) -> None:
    from hadron.data.sources import SourceConfig
    from hadron.runtime.pipeline import Pipeline
    from hadron.runtime.steps import Passthrough

    prompts = write_prompts(tmp_path / "prompts.jsonl", 2)
    source = SourceConfig(path=str(prompts), id_column="id", storage_options={"secret": SECRET})
    sink = {"storage_options": {"key": SECRET}}
    await Pipeline(source, [Passthrough("keep")], sink=sink).run(tmp_path / "run", progress="off")
    assert (tmp_path / "run" / "manifest.json").exists()
    assert files_containing(tmp_path / "run", SECRET.encode()) == []
    saved = yaml.safe_load((tmp_path / "run" / "config.yaml").read_text())
    assert set(saved["source"]["storage_options"]) == {"secret"}  # the keys stay, to say what to supply
    assert set(saved["sink"]["storage_options"]) == {"key"}


def test_a_saved_config_replays_only_once_storage_values_are_supplied(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from hadron.cli import main
    from hadron.data.sources import SourceConfig
    from hadron.runtime.pipeline import UNSAVED, Pipeline
    from hadron.runtime.steps import Passthrough

    prompts = write_prompts(tmp_path / "prompts.jsonl", 2)
    source = SourceConfig(path=str(prompts), id_column="id", storage_options={"secret": SECRET})
    run = tmp_path / "run"
    asyncio.run(Pipeline(source, [Passthrough("keep")]).run(run, progress="off"))  # main() runs its own loop

    def hadron_run(config: Path) -> tuple[int, list[str]]:
        monkeypatch.setattr("sys.argv", ["hadron", "run", str(config), "--out", str(run), "-q"])
        monkeypatch.setenv("COLUMNS", "400")  # one error line stays one line
        try:
            main()
            code = 0
        except SystemExit as exit_:
            code = int(exit_.code or 0)
        return code, capsys.readouterr().err.splitlines()

    saved = run / "config.yaml"
    line = next(n for n, text in enumerate(saved.read_text().splitlines(), start=1) if "secret:" in text)
    code, err = hadron_run(saved)
    assert code == 2
    assert err == [f"error: {saved}:{line}: source.storage_options.secret: value missing (a run's "
                   "config.yaml keeps storage_options keys, never values) "
                   f"(replace {UNSAVED!r} with the value)"]

    supplied = tmp_path / "replay.yaml"
    supplied.write_text(saved.read_text().replace(UNSAVED, SECRET))
    code, err = hadron_run(supplied)
    assert code == 0, err  # the same run: resumes with nothing left to do
    assert files_containing(run, SECRET.encode()) == []
