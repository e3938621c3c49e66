"""The README's examples are run here, so they cannot drift from the code."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

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


def test_agentic_prompt_set_reads_as_a_source() -> None:
    from collections import Counter

    from hadron.data.sources import open_source

    assert "hadron autoreason examples/agentic_prompts.jsonl" in README
    rows = list(open_source(str(ROOT / "examples" / "agentic_prompts.jsonl")).rows())
    assert len(rows) >= 15 and len({row["id"] for row in rows}) == len(rows)
    by_category = Counter(row["category"] for row in rows)
    assert set(by_category) == {"tool_use", "planning", "reflection", "error_recovery", "multi_agent"}
    assert min(by_category.values()) >= 3


def test_source_commands_parse_to_the_sources_they_name() -> None:
    from typer.testing import CliRunner

    from hadron.cli import app

    lines = [line for block in blocks("bash") for line in block.splitlines()
             if line.startswith("hadron autoreason hf")]
    assert len(lines) == 2
    seen: list[Any] = []

    async def capture(request: Any) -> None:
        seen.append(request.source)
        raise SystemExit(0)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("hadron.tasks.autoreason.run.run_autoreason", capture)
        for line in lines:
            assert CliRunner().invoke(app, line.split()[1:]).exit_code == 0
    text, hub = seen
    assert (text.format, text.path, text.sample, text.seed) == (
        "text", "hf://datasets/ianncity/General-Distillation-Prompts-1M/prompts.txt", 1000, 7)
    assert (hub.format, hub.path, hub.prompt_column, hub.head) == (
        "hf", "ianncity/General-Distillation-Prompts-1M", "text", 1000)
