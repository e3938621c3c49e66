"""``hadron run``: exit codes and one-line errors for bad input; nothing written is lost."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hadron.llm.errors import Rejected
from hadron.llm.types import ChatRequest
from hadron.testing import register_scripted, unregister_scripted

Hadron = Callable[..., tuple[int, str, str]]


@pytest.fixture
def model() -> Iterator[set[str]]:
    """``scripted:cli`` answers every prompt except those in the yielded set (it refuses them)."""
    refuse: set[str] = set()

    def answer(request: ChatRequest) -> str:
        text = str(request.messages[-1]["content"])
        if text in refuse:
            raise Rejected("refused", status=400)
        return f"answer to {text}"

    register_scripted("cli", answer)
    yield refuse
    unregister_scripted("cli")


def setup(tmp_path: Path, prompts: bytes, extra: str = "") -> Path:
    (tmp_path / "prompts.jsonl").write_bytes(prompts)
    pipeline = tmp_path / "pipeline.yaml"
    pipeline.write_text("source: {path: prompts.jsonl}\n"
                        f"steps:\n  - step: generate\n    model: scripted:cli\n{extra}")
    return pipeline


GOOD = b'{"prompt": "one"}\n{"prompt": "two"}\n{"prompt": "three"}\n'


def rows(out: Path) -> list[dict[str, str]]:
    shards = sorted((out / "data").glob("*.jsonl"))
    return [json.loads(line) for shard in shards for line in shard.read_text().splitlines()]


def test_run_writes_rows_and_a_summary(tmp_path: Path, hadron: Hadron, model: set[str]) -> None:
    pipeline = setup(tmp_path, GOOD)
    code, out, err = hadron("run", str(pipeline), "--out", str(tmp_path / "run"), "--quiet")
    assert code == 0, err
    assert "3 rows in 1 shard(s)" in out and "0 failed" in out
    assert sorted(r["generation"] for r in rows(tmp_path / "run")) == [
        "answer to one", "answer to three", "answer to two"]
    assert "hadron run done: 3/3 rows" in err


def test_failed_rows_are_reported_and_retried(tmp_path: Path, hadron: Hadron, model: set[str]) -> None:
    pipeline = setup(tmp_path, GOOD)
    model.add("two")
    code, _, err = hadron("run", str(pipeline), "--out", str(tmp_path / "run"), "--quiet")
    assert code == 1 and "1 rows failed" in err and "--retry-errors" in err  # scripts see the failure
    model.clear()
    code, out, _ = hadron("run", str(pipeline), "--out", str(tmp_path / "run"), "--quiet", "--retry-errors")
    assert code == 0 and "3 rows" in out and "0 failed" in out
    assert len(rows(tmp_path / "run")) == 3


def test_malformed_input_line_is_recorded_and_exits_non_zero(tmp_path: Path, hadron: Hadron,
                                                             model: set[str]) -> None:
    pipeline = setup(tmp_path, b'{"prompt": "one"}\n{"prompt": \n{"prompt": "three"}\n')
    code, _, err = hadron("run", str(pipeline), "--out", str(tmp_path / "run"), "--quiet")
    assert code == 1
    last = err.strip().splitlines()[-1]
    assert last.startswith("error: ") and "prompts.jsonl:2:" in last
    assert len(rows(tmp_path / "run")) == 2  # the good rows are kept


def test_strict_stops_at_the_first_bad_line(tmp_path: Path, hadron: Hadron, model: set[str]) -> None:
    pipeline = setup(tmp_path, b'{"prompt": "one"}\n\xff\xfe bad bytes\n{"prompt": "three"}\n')
    code, _, err = hadron("run", str(pipeline), "--out", str(tmp_path / "run"), "--quiet", "--strict")
    assert code == 2 and "prompts.jsonl:2:" in err and "Traceback" not in err


@pytest.mark.parametrize(("prompts", "extra", "message"), [
    (b"", "", "prompts.jsonl: file is empty"),
    (GOOD, "    temperature: warm\n", "pipeline.yaml:5: steps[0].temperature"),
    (GOOD, "    prompt: '{{ question }}'\n", "step 'generate': reads column 'question'"),
    (GOOD, "  - step: nope\n", "pipeline.yaml:5: steps[1]: unknown step kind 'nope'"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, hadron: Hadron, model: set[str],
                                          prompts: bytes, extra: str, message: str) -> None:
    pipeline = setup(tmp_path, prompts, extra)
    code, _, err = hadron("run", str(pipeline), "--out", str(tmp_path / "run"), "--quiet")
    assert code == 2
    assert message in err and len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "run").exists()


def test_missing_pipeline_file(tmp_path: Path, hadron: Hadron) -> None:
    code, _, err = hadron("run", str(tmp_path / "missing.yaml"))
    assert code == 2 and "missing.yaml: no such file" in err


def test_other_executors_are_refused(tmp_path: Path, hadron: Hadron, model: set[str]) -> None:
    code, _, err = hadron("run", str(setup(tmp_path, GOOD)), "--executor", "spark")
    assert code == 2 and "unknown executor 'spark'" in err


@pytest.mark.model
@pytest.mark.slow
def test_example_pipeline_with_the_embedded_model(tmp_path: Path, hadron: Hadron) -> None:
    example = Path(__file__).resolve().parents[2] / "examples" / "pipeline.yaml"
    out = tmp_path / "run"
    code, _, err = hadron("run", str(example), "--out", str(out), "--quiet")
    assert code == 0, err
    written = rows(out)
    assert [r["id"] for r in written] == ["reason-trains", "reason-apples", "write-haiku"]
    assert all(isinstance(r["generation"], str) for r in written)
    stats = json.loads((out / "stats.json").read_text())
    assert stats["models"]["generate"]["calls"] == 3
    code, _, _ = hadron("run", str(example), "--out", str(out), "--quiet")  # resume: nothing to do
    assert code == 0 and rows(out) == written
    assert json.loads((out / "stats.json").read_text())["rows_skipped"] == 3
