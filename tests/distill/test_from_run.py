"""``hadron distill --from-run RUN --target judge`` on a run written by the real AutoReason pipeline.

The run's models are scripted (teacher/critic/author/synthesizer/judges): the panel prefers the
candidate that says "beta", except on odd-numbered questions where it prefers "gamma". The scripted
single judge follows that rule only when its prompt contains ``RULE``; otherwise it answers ``X1``.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hadron.cli import app, main
from hadron.distill.from_run import JUDGE_SEED_PROMPT, gold_from_run, judged_passes
from hadron.errors import ConfigError, InputError
from hadron.llm.types import ChatRequest
from hadron.runtime.rundir import RunDir
from hadron.testing import register_scripted, unregister_scripted

RULE = "Prefer the beta answer; on odd-numbered questions prefer the gamma answer."
_BLOCK = re.compile(r"^BEGIN (X\d+)\n(.*?)\nEND \1$", re.DOTALL | re.MULTILINE)
ROWS = 16


def preferred(task: str, blocks: dict[str, str]) -> list[str]:
    """The panel's taste: labels best first."""
    number = int(re.search(r"Question (\d+)", task).group(1))  # type: ignore[union-attr]
    taste = ["gamma", "beta", "alpha"] if number % 2 else ["beta", "alpha", "gamma"]
    return sorted(blocks, key=lambda label: next(i for i, word in enumerate(taste) if word in blocks[label]))


def tournament_model(request: ChatRequest) -> str:
    first = next(str(m["content"]) for m in request.messages if m["role"] == "user")
    if "responses to the same task from best to worst" in first:
        order = preferred(first, dict(_BLOCK.findall(first)))
        if request.response_format is not None:
            return json.dumps({"reasoning": "taste", "ranking": " > ".join(order)})
        return "Taste.\nRANKING: " + ", ".join(order)
    if "List the real problems in the response" in first:
        return "- it is vague"
    if "A reviewer found these problems" in first:
        return "the beta answer"
    if "two responses to this task" in first or "Repair the response" in first:
        return "the gamma answer"
    return "the alpha answer"


def single_judge(request: ChatRequest) -> str:
    task = str(request.messages[1]["content"]).split("\n\nAnswer with")[0]
    blocks = dict(_BLOCK.findall(task))
    if RULE in str(request.messages[0]["content"]):
        return json.dumps({"winner": preferred(task, blocks)[0]})
    return json.dumps({"winner": "X1"})


def reflector(request: ChatRequest) -> str:
    return f"A better instruction:\n```\nPick the best response. {RULE}\n```"


@pytest.fixture(scope="module")
def autoreason_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A real AutoReason run directory: 16 prompts, 3 judges, one pass each."""
    root = tmp_path_factory.mktemp("autoreason")
    prompts = root / "prompts.jsonl"
    prompts.write_text("".join(json.dumps({"id": f"q{i}", "prompt": f"Question {i}?"}) + "\n"
                               for i in range(ROWS)))
    register_scripted("ar-panel", tournament_model)
    try:
        result = CliRunner().invoke(app, ["autoreason", str(prompts), "--out", str(root / "run"), "--model",
                                          "scripted:ar-panel", "--judges", "3", "--max-passes", "1",
                                          "--quiet"])
    finally:
        unregister_scripted("ar-panel")
    assert result.exit_code == 0, result.output
    yield root / "run"


@pytest.fixture
def judge_models() -> Iterator[None]:
    register_scripted("single-judge", single_judge)
    register_scripted("judge-reflect", reflector)
    yield
    unregister_scripted("single-judge")
    unregister_scripted("judge-reflect")


def test_judge_gold_is_the_panels_decision_under_neutral_labels(autoreason_run: Path) -> None:
    gold = gold_from_run(autoreason_run, "judge", stride=3)
    rows = [located.row for located in RunDir(autoreason_run).rows()]
    decided = {(str(row["id"]), entry["pass"]): entry["winner"] for row in rows for entry in row["trace"]}
    assert len(gold.lines) == ROWS == len(decided)
    for line in gold.lines:
        blocks = dict(_BLOCK.findall(line["input"]))
        assert sorted(blocks) == ["X1", "X2", "X3"]
        label = line["label"]["winner"]
        # the gold label names the block holding the text of the candidate the panel chose
        assert line["permutation"][label] == line["winner"] == decided[(line["row_id"], line["pass"])]
        assert preferred(line["input"], blocks)[0] == label
    assert {line["label"]["winner"] for line in gold.lines} == {"X1", "X2", "X3"}  # not all in one place
    held = {line["row_id"] for line in gold.lines if line["split"] == "holdout"}
    assert len(held) == ROWS // 3  # by row: every third row's passes
    assert gold.source["split_by"] == "row" and gold.source["panel_judges"] == 3
    assert gold_from_run(autoreason_run, "judge", stride=3).lines == gold.lines  # same run, same gold


def test_distill_from_run_writes_a_gated_judge_prompt(autoreason_run: Path, tmp_path: Path,
                                                            judge_models: None,
                                                            monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "judge"
    monkeypatch.setattr(sys, "argv", [
        "hadron", "distill", "--from-run", str(autoreason_run), "--target", "judge",
        "--model", "scripted:single-judge", "--optimizer-model", "scripted:judge-reflect",
        "--generations", "2", "--stride", "2", "--val-stride", "0", "--minibatch", "2", "--json",
        "--out", str(out)])
    try:
        main()
    except SystemExit as exc:
        assert not exc.code
    result = json.loads(capsys.readouterr().out)
    assert result == json.loads((out / "result.json").read_text())
    assert result["source"]["target"] == "judge" and result["source"]["passes"] == ROWS
    assert result["prompts"]["baseline"] == JUDGE_SEED_PROMPT
    assert result["gate"]["n"] == ROWS // 2 and set(result["gate"]["fields"]) == {"winner"}
    before, after = result["agreement"]["before"], result["agreement"]["after"]
    assert before < 1.0 and after == 1.0 and result["promoted"]
    assert result["gate"]["ci95"][0] > 0.0
    assert result["source"]["single_panel_judge_holdout_agreement"] == 1.0
    assert RULE in (out / "judge_prompt.txt").read_text()
    assert (out / "judge_prompt.txt").read_text() == (out / "student_prompt.txt").read_text()
    assert set(result["split"]["optimizer_saw"]).isdisjoint(result["split"]["holdout_ids"])
    assert (out / "gold.jsonl").is_file()


def test_a_run_without_autoreason_rows_is_one_clear_error(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "part-00000.jsonl").write_text(json.dumps({"id": "1", "prompt": "p",
                                                                    "method": "single_shot"}) + "\n")
    with pytest.raises(InputError, match="no judged AutoReason passes"):
        gold_from_run(tmp_path, "judge", stride=3)
    with pytest.raises(ConfigError, match="unknown distill target 'critic'"):
        gold_from_run(tmp_path, "critic", stride=3)


def test_void_and_short_circuit_passes_are_not_gold(autoreason_run: Path, tmp_path: Path) -> None:
    rows = [located.row for located in RunDir(autoreason_run).rows()]
    rows[0]["trace"][0]["void"] = True
    rows[1]["trace"][0]["short_circuit"] = True
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "part-00000.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
    passes = list(judged_passes(RunDir(tmp_path)))
    assert len(passes) == ROWS - 2
    assert {p.row_id for p in passes}.isdisjoint({str(rows[0]["id"]), str(rows[1]["id"])})
