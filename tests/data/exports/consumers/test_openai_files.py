"""OpenAI fine-tuning files from every run pass OpenAI's documented checks (``openai_rules.py``)."""

from __future__ import annotations

import pytest

from hadron.runtime.export import ExportStats

from .conftest import RUNS, read_jsonl
from .openai_rules import preference_problems, sft_problems

CHECKS = {"sft-openai": sft_problems, "critic-openai": sft_problems, "dpo-openai": preference_problems}


@pytest.mark.parametrize("run", RUNS)
def test_openai_files_follow_the_documented_rules(exported: dict[str, dict[str, ExportStats]],
                                                  run: str) -> None:
    checked = 0
    for name, check in CHECKS.items():
        stats = exported[run][name]
        if not stats.has_file:
            assert not stats.path.exists()
            continue
        for line, record in enumerate(read_jsonl(stats.path), 1):
            assert check(record) == [], f"{stats.path.name}:{line}"
            checked += 1
    assert checked


def test_tool_call_ids_match_their_results(exported: dict[str, dict[str, ExportStats]]) -> None:
    record = read_jsonl(exported["recorded-agentic"]["sft-openai"].path)[0]
    calls = [c["id"] for m in record["messages"] for c in m.get("tool_calls") or []]
    results = [m["tool_call_id"] for m in record["messages"] if m["role"] == "tool"]
    assert calls and sorted(calls) == sorted(results)


CALL = {"id": "c1", "type": "function", "function": {"name": "ls", "arguments": "{}"}}


@pytest.mark.parametrize(("record", "problem"), [
    ({"messages": [{"role": "user", "content": "hi"}]}, "no assistant message"),
    ({"messages": [{"role": "bot", "content": "hi"}]}, "unrecognized role"),
    ({"messages": [{"role": "user", "content": "hi", "id": 1}, {"role": "assistant", "content": "x"}]},
     "unrecognized keys"),
    ({"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": None,
                                                        "tool_calls": [CALL]},
                   {"role": "tool", "tool_call_id": "c2", "content": "a"},
                   {"role": "assistant", "content": "x"}]},
     "unknown call 'c2'"),
    ({"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": None,
                                                        "tool_calls": [CALL]},
                   {"role": "assistant", "content": "x"}]}, "have no tool result"),
    ({"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "x"}],
      "tools": [{"name": "ls"}]}, "not a function tool definition"),
])
def test_the_sft_rules_catch_what_openai_rejects(record: dict, problem: str) -> None:
    assert any(problem in found for found in sft_problems(record))


def test_the_preference_rules_catch_what_openai_rejects() -> None:
    good = {"input": {"messages": [{"role": "user", "content": "q"}]},
            "preferred_output": [{"role": "assistant", "content": "a"}],
            "non_preferred_output": [{"role": "assistant", "content": "b"}]}
    assert preference_problems(good) == []
    same = {**good, "non_preferred_output": good["preferred_output"]}
    assert "preferred and non-preferred outputs are the same" in preference_problems(same)
    answered = {**good, "input": {"messages": [{"role": "user", "content": "q"},
                                               {"role": "assistant", "content": "a"}]}}
    assert "input.messages must end on a user or tool message" in preference_problems(answered)
