"""``hadron agentic``: runs, resumes, prints the bookkeeping; bad input is one line and exit code 2."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from hadron.cli import main

from .conftest import auto_review
from .test_step import ORDERS, solver


def run_cli(monkeypatch: pytest.MonkeyPatch, *args: str) -> int:
    monkeypatch.setattr("sys.argv", ["hadron", "agentic", *args])
    monkeypatch.setenv("COLUMNS", "200")
    try:
        main()
    except SystemExit as exit_:
        return int(exit_.code or 0)
    return 0


def test_run_with_a_config_file_then_resume(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    scripted: Callable[..., str],
    tmp_path: Path,
) -> None:
    calls: list[int] = []

    def teacher(request):  # type: ignore[no-untyped-def]
        calls.append(1)
        return solver(request)

    config = tmp_path / "agentic.yaml"
    config.write_text(
        f"teacher: {scripted(teacher)}\nreviewer: {scripted(auto_review(9))}\n"
        "review: {max_rounds: 0}\nloop: {max_turns: 4}\nconcurrency: 2\n"
    )
    args = [
        "--scenarios",
        str(ORDERS / "cancel-order.yaml"),
        "--episodes",
        "2",
        "--out",
        str(tmp_path / "run"),
        "--config",
        str(config),
        "--no-progress",
    ]
    assert run_cli(monkeypatch, *args) == 0
    out = capsys.readouterr().out
    assert "2 episodes saved of 2 planned (2 pass their success checks), 0 rejected, 0 errors" in out
    assert "sft.sharegpt.jsonl" in out
    rows = [json.loads(line) for line in (tmp_path / "run/data/part-00000.jsonl").read_text().splitlines()]
    assert sorted(row["params"]["item"] for row in rows) == ["a kettle", "two kettles"]  # in finish order
    first_calls = len(calls)
    assert run_cli(monkeypatch, *args) == 0  # resumed: every row is done, nothing is asked again
    assert len(calls) == first_calls
    assert "2 episodes saved" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (
            lambda tmp: ["--scenarios", "airline"],
            "error: no scenario file or folder 'airline', and it is not a family",
        ),
        (
            lambda tmp: ["--scenarios", str(tmp / "bad.yaml")],
            "bad.yaml:23: tools.4.parameters: not a valid JSON Schema at type: 'objekt'",
        ),
        (lambda tmp: ["--scenarios", str(tmp / "family.yaml")], "family.yaml:2: unknown family 'airline'"),
        (lambda tmp: ["--config", str(tmp / "config.yaml")], "config.yaml:2: review.treshold: unknown key"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    make: Callable[[Path], list[str]],
    expected: str,
) -> None:
    good = (ORDERS / "shipped-tracking.yaml").read_text()
    (tmp_path / "bad.yaml").write_text(
        good.replace("type: object\n      properties", "type: objekt\n      properties")
    )
    (tmp_path / "family.yaml").write_text(good.replace("family: orders", "family: airline"))
    (tmp_path / "config.yaml").write_text("review:\n  treshold: 0.5\n")
    assert run_cli(monkeypatch, *make(tmp_path), "--out", str(tmp_path / "run"), "--no-progress") == 2
    err = capsys.readouterr().err
    assert expected in " ".join(err.split()), err
    assert "Traceback" not in err
    assert not (tmp_path / "run").exists()
