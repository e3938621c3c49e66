"""ShareGPT files and their ``dataset_info.json`` pass the checks LLaMA-Factory's loader makes
(``sharegpt_rules.py``), for every run; the rules themselves catch what the loader drops."""

from __future__ import annotations

import json

import pytest

from hadron.runtime.export import ExportStats

from .conftest import RUNS, read_jsonl
from .sharegpt_rules import dataset_info_problems, example_problems

FILES = ("sft-sharegpt", "dpo-sharegpt", "critic-sharegpt")


@pytest.mark.parametrize("run", RUNS)
def test_sharegpt_files_load_by_their_dataset_info(exported: dict[str, dict[str, ExportStats]],
                                                   run: str) -> None:
    written = [exported[run][name] for name in FILES if exported[run][name].has_file]
    folder = written[0].path.parent
    assert dataset_info_problems(folder) == []
    info = json.loads((folder / "dataset_info.json").read_text(encoding="utf-8"))
    assert sorted(entry["file_name"] for entry in info.values()) == sorted(s.path.name for s in written)
    for entry in info.values():
        for line, example in enumerate(read_jsonl(folder / entry["file_name"]), 1):
            assert example_problems(example, entry) == [], f"{entry['file_name']}:{line}"


def test_tool_calls_become_function_call_and_observation_turns(
        exported: dict[str, dict[str, ExportStats]]) -> None:
    example = read_jsonl(exported["recorded-agentic"]["sft-sharegpt"].path)[0]
    tags = [turn["from"] for turn in example["conversations"]]
    assert "function_call" in tags and "observation" in tags and isinstance(example["tools"], str)


SFT_INFO = {"formatting": "sharegpt", "columns": {"messages": "conversations", "tools": "tools"}}
RANKING = {**SFT_INFO, "ranking": True}


@pytest.mark.parametrize(("example", "info", "problem"), [
    ({"conversations": [{"from": "gpt", "value": "a"}, {"from": "human", "value": "q"}]}, SFT_INFO, "turn 0"),
    ({"conversations": [{"from": "human", "value": "q"}]}, SFT_INFO, "invalid message count"),
    ({"conversations": [{"from": "human", "value": "q"}, {"from": "function_call", "value": "ls"}]},
     SFT_INFO, "not JSON"),
    ({"conversations": [{"from": "human", "value": "q"}, {"from": "gpt", "value": "a"}], "tools": [{}]},
     SFT_INFO, "tools"),
    ({"conversations": [{"from": "human", "value": "q"}], "chosen": {"from": "human", "value": "a"},
      "rejected": {"from": "gpt", "value": "b"}}, RANKING, "chosen"),
    ({"conversations": [{"from": "human", "value": "q"}, {"from": "gpt", "value": "a"}],
      "chosen": {"from": "gpt", "value": "a"}, "rejected": {"from": "gpt", "value": "b"}}, RANKING,
     "invalid message count"),
])
def test_the_rules_catch_what_the_loader_drops(example: dict, info: dict, problem: str) -> None:
    assert any(problem in found for found in example_problems(example, info))


def test_dataset_info_names_only_the_columns_a_file_holds(
        exported: dict[str, dict[str, ExportStats]]) -> None:
    """LLaMA-Factory reads every column an entry names; `tools` is named only where records have it."""
    def entry(run: str) -> dict:
        folder = exported[run]["sft-sharegpt"].path.parent
        return json.loads((folder / "dataset_info.json").read_text(encoding="utf-8"))["hadron_sft_sharegpt"]

    assert entry("recorded-autoreason")["columns"] == {"messages": "conversations"}
    assert entry("recorded-agentic")["columns"] == {"messages": "conversations", "tools": "tools"}
