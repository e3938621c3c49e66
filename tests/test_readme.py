"""The README's examples are run here, so they cannot drift from the code."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.DOTALL)


def test_readme_opens_with_the_two_commands() -> None:
    first = blocks("bash")[0].strip().splitlines()
    commands = [line for line in first if line and not line.startswith("#")]
    assert commands[0].endswith("hadron autoreason examples/prompts.jsonl --out runs/demo")
    assert commands[1].endswith("pytest -q")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert commands[1] in ci  # CI runs exactly the README's test command


def test_model_blocks_validate() -> None:
    from hadron.llm import ModelConfig, PoolConfig

    block = next(text for text in blocks("yaml") if text.lstrip().startswith("# a config block"))
    data = yaml.safe_load(block)
    model = ModelConfig.model_validate(data["model"])
    assert model.rpm == 600 and model.api_key_env == "MY_VLLM_KEY"
    pool = PoolConfig.model_validate(data["pool"])
    assert len(pool.members) == 2


def test_pipeline_block_loads(tmp_path: Path) -> None:
    from hadron import load_pipeline

    block = next(text for text in blocks("yaml") if text.lstrip().startswith("source:"))
    shutil.copy(ROOT / "examples" / "prompts.jsonl", tmp_path / "prompts.jsonl")
    path = tmp_path / "pipeline.yaml"
    path.write_text(block, encoding="utf-8")
    pipeline = load_pipeline(path)
    assert [step.name for step in pipeline.steps] == ["dedup", "refine"]


def test_commands_in_the_table_exist() -> None:
    from typer.main import get_command

    from hadron.cli import app

    commands = set(get_command(app).commands)  # type: ignore[attr-defined]
    listed = set(re.findall(r"^\| `hadron (\w+)", README, flags=re.MULTILINE))
    assert listed and listed <= commands


@pytest.mark.model
@pytest.mark.parametrize("index", range(len(blocks("python"))))
def test_python_blocks_run(index: int, tmp_path: Path) -> None:
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    script = tmp_path / "example.py"
    script.write_text(blocks("python")[index], encoding="utf-8")
    done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip()
