from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from hadron.cli import main
from hadron.testing import ScriptedBackend

from .conftest import EXAMPLE_GOLD, MAGIC

SCRIPTED = ["--model", "scripted:dstudent", "--optimizer-model", "scripted:dreflect"]


def run_cli(monkeypatch: pytest.MonkeyPatch, *args: str) -> int:
    monkeypatch.setattr(sys, "argv", ["hadron", "distill", *args])
    try:
        main()
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


def test_cli_end_to_end(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                        scripted: dict[str, ScriptedBackend]) -> None:
    prompt = tmp_path / "seed.txt"
    prompt.write_text("Label the support ticket.\n")
    code = run_cli(monkeypatch, "--gold", str(EXAMPLE_GOLD), "--baseline", str(prompt), *SCRIPTED,
                   "--categorical", "category,urgent", "--array", "tags", "--budget", "30",
                   "--min-delta", "0.1", "--seed", "3", "--out", str(tmp_path / "out"))
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "PROMOTED" in captured.out and "holdout gate (n=3" in captured.out
    assert MAGIC in (tmp_path / "out" / "student_prompt.txt").read_text()
    assert json.loads((tmp_path / "out" / "result.json").read_text())["config"]["seed"] == 3


def test_cli_harness_flags_reach_the_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str],
                                            scripted: dict[str, ScriptedBackend]) -> None:
    code = run_cli(monkeypatch, "--gold", str(EXAMPLE_GOLD), "--baseline", "Label the support ticket.",
                   *SCRIPTED, "--categorical", "category,urgent", "--array", "tags", "--generations", "3",
                   "--population", "2", "--reps", "2", "--gate", "delta", "--values", "category=sales",
                   "--json", "--out", str(tmp_path))
    captured = capsys.readouterr()
    assert code == 0, captured.err
    result = json.loads(captured.out)  # --json: stdout is the report and nothing else
    config = result["config"]
    assert (config["generations"], config["population"], config["reps"], config["gate"]) == (3, 2, 2, "delta")
    assert config["label_values"] == {"category": ["sales"]} and config["max_metric_calls"] is None
    assert result["gate"]["rule"] == "delta" and result["gate"]["reps"] == 2
    assert result["budget"]["iterations"] <= 3 and result["promoted"]


def test_cli_brief_spelling(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                            scripted: dict[str, ScriptedBackend]) -> None:
    code = run_cli(monkeypatch, str(EXAMPLE_GOLD), "--student", "scripted:dstudent", "--reflection",
                   "scripted:dreflect", "--fields-categorical", "category,urgent", "--fields-array", "tags",
                   "--seed-prompt", "Label the support ticket.", "--max-metric-calls", "30",
                   "--max-seconds", "30", "--stride", "4", "--out", str(tmp_path))
    assert code == 0
    assert (tmp_path / "report.md").exists()


@pytest.mark.parametrize(("args", "message"), [
    (["--gold", "{missing}"], "gold file not found"),
    (["--gold", "{empty}"], "gold file is empty"),
    (["--gold", "{bad}"], ":2: invalid JSON"),
    ([], "no gold file given"),
    (["--gold", "{gold}", "--categorical", "category,priority"], "label field 'priority' not found"),
    (["--gold", "{gold}", "--stride", "50"], "no holdout records"),
    (["--gold", "{gold}", "--stride", "1"], "invalid option stride"),
    (["--gold", "{gold}", "--budget", "4"], "cannot pay for one GEPA iteration"),
    (["--gold", "{gold}", "--gate", "vibes"], "invalid option gate"),
    (["--gold", "{gold}", "--values", "category"], "must look like FIELD=v1,v2"),
    (["--gold", "{gold}", "--values", "priority=high"], "label values declared for unnamed fields"),
    (["--gold", "{gold}", "--from-run", "{gold}"], "either a gold file or --from-run"),
    (["--from-run", "{missing}", "--categorical", ""], "no such run directory"),
    (["--from-run", "{missing}"], "--from-run sets the label fields itself"),
    (["--gold", "{gold}", "--comparator", "nope"], "must look like module:function"),
    (["--gold", "{gold}", "--model", "scripted:nobody"], "no scripted model named 'nobody'"),
    (["--gold", "{gold}", "--baseline", "prompts/missing.txt"], "prompt file prompts/missing.txt not found"),
])
def test_cli_bad_input_is_one_line_and_exit_2(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        scripted: dict[str, ScriptedBackend], args: list[str], message: str) -> None:
    (tmp_path / "empty.jsonl").write_text("")
    (tmp_path / "bad.jsonl").write_text(EXAMPLE_GOLD.read_text().splitlines()[0] + "\n{oops\n")
    paths = {"missing": str(tmp_path / "nope.jsonl"), "empty": str(tmp_path / "empty.jsonl"),
             "bad": str(tmp_path / "bad.jsonl"), "gold": str(EXAMPLE_GOLD)}
    args = [arg.format(**paths) for arg in args]
    defaults = {"--baseline": "Label it.", "--categorical": "category"}
    args += [item for key, value in defaults.items() if key not in args for item in (key, value)]
    code = run_cli(monkeypatch, *SCRIPTED, *args, "--out", str(tmp_path / "o"))
    err = capsys.readouterr().err
    assert code == 2
    assert message in err.replace("\n", "") and "Traceback" not in err


def test_a_rerun_prints_the_saved_verdict_and_retry_errors_asks_failed_answers_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        scripted: dict[str, ScriptedBackend]) -> None:
    from hadron.distill.gold import load_gold
    from hadron.distill.split import split_gold
    from hadron.llm.types import ChatRequest
    from hadron.testing import register_scripted, unregister_scripted

    from .conftest import magic_student, user_input

    records = load_gold(EXAMPLE_GOLD)
    broken_input = str(split_gold(records, stride=4, val_stride=3).holdout[0].input)
    answer = magic_student(records)
    state = {"broken": True}
    outcome: dict[tuple[str, str, int | None], bool] = {}  # request -> answered with a parseable label

    def flaky(request: ChatRequest) -> str:
        key = (str(request.messages[0]["content"]), str(request.messages[-1]["content"]), request.seed)
        broken = state["broken"] and user_input(request) == broken_input
        outcome[key] = not broken
        return "sorry, I cannot answer that" if broken else answer(request)

    backend = register_scripted("dflaky", flaky)
    args = ["--gold", str(EXAMPLE_GOLD), "--baseline", "Label the support ticket.",
            "--model", "scripted:dflaky", "--optimizer-model", "scripted:dreflect",
            "--categorical", "category,urgent", "--array", "tags",
            "--budget", "30", "--seed", "3", "--out", str(tmp_path / "out")]
    try:
        assert run_cli(monkeypatch, *args) == 0
        first = dict(outcome)
        asked = len(backend.calls)
        assert not all(first.values())  # the broken input's answers failed
        capsys.readouterr()

        assert run_cli(monkeypatch, *args) == 0  # the same distillation again: nothing is asked
        out = capsys.readouterr().out
        assert len(backend.calls) == asked
        said = " ".join(out.split())
        assert "already holds this distillation" in said and "nothing was asked" in said
        assert ("--retry-errors runs it again (answers that could not be parsed are asked again: 2 on the "
                "holdout)") in said  # the broken record's baseline and winner answers

        state["broken"] = False
        outcome.clear()
        assert run_cli(monkeypatch, *args, "--retry-errors") == 0
        assert len(backend.calls) > asked
        # no answer that parsed the first time is asked again; the failed ones are
        assert not [key for key in outcome if first.get(key)]
        assert [key for key in outcome if first.get(key) is False]
    finally:
        unregister_scripted("dflaky")
