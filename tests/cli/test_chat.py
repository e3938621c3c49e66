"""``hadron chat`` and the root command: answers from the embedded model, one-line errors, help."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hadron.cli import app

runner = CliRunner()


def hadron(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the real entry point (``main``), which turns Hadron errors into one line and exit code 2."""
    return subprocess.run([sys.executable, "-c", "from hadron.cli import main; main()", *args],
                          capture_output=True, text=True, timeout=120)


@pytest.mark.model
def test_chat_local_answers_from_the_embedded_model() -> None:
    result = runner.invoke(app, ["chat", "local", "What is 2+2?", "--max-tokens", "24"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip()
    assert "SmolLM2-135M-Instruct" in result.stderr  # the usage line goes to stderr, the answer to stdout


@pytest.mark.model
def test_chat_with_a_json_schema_prints_json(tmp_path: Path) -> None:
    schema = tmp_path / "sum.json"
    schema.write_text(json.dumps({"type": "object", "properties": {"answer": {"type": "integer"}},
                                  "required": ["answer"]}))
    result = runner.invoke(app, ["chat", "local", "What is 2+2? Reply in JSON.", "--json-schema", str(schema),
                                 "-n", "20"])
    assert result.exit_code == 0, result.output
    assert isinstance(json.loads(result.stdout)["answer"], int)


def test_an_unknown_model_is_one_line_and_exit_code_2() -> None:
    done = hadron("chat", "nosuch:model", "x")
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "Traceback" not in done.stderr
    assert "nosuch:model" in done.stderr


def test_a_bad_schema_file_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    done = hadron("chat", "local", "x", "--json-schema", str(bad))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert f"{bad}:1" in done.stderr


def test_version() -> None:
    from hadron import __version__

    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"hadron {__version__}"


def test_help_lists_the_commands() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("chat", "serve"):
        assert command in result.stdout
