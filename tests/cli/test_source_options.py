"""Source options on the command line: columns, --limit, --sample/--seed, --on-duplicate-id, for
``hadron run`` (over the YAML's ``source:``) and ``hadron autoreason``; the saved config replays them."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml

from hadron.llm.types import ChatRequest
from hadron.testing import FaultServer, register_scripted, unregister_scripted

Hadron = Callable[..., tuple[int, str, str]]


@pytest.fixture
def asked() -> Iterator[list[list[dict[str, str]]]]:
    """``scripted:sources`` answers every request and keeps the messages it was sent."""
    seen: list[list[dict[str, str]]] = []

    def answer(request: ChatRequest) -> str:
        seen.append([dict(m) for m in request.messages])
        return "ok"

    register_scripted("sources", answer)
    yield seen
    unregister_scripted("sources")


def rows(run: Path) -> list[dict[str, object]]:
    return [json.loads(line) for shard in sorted((run / "data").glob("part-*.jsonl"))
            for line in shard.read_text().splitlines()]


def gdp_parquet(path: Path, count: int) -> Path:
    """The layout of ``ianncity/General-Distillation-Prompts-1M``: one string column, ``text``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"text": [f"prompt number {n}" for n in range(count)]}), path)
    return path


def pipeline(tmp_path: Path, source: dict[str, object]) -> Path:
    path = tmp_path / "pipeline.yaml"
    path.write_text(yaml.safe_dump({"source": source, "steps": [
        {"step": "generate", "name": "answer", "model": "scripted:sources"}]}))
    return path


def test_run_flags_override_the_yaml_source_and_are_saved(hadron: Hadron, tmp_path: Path,
                                                          asked: list[object]) -> None:
    data = gdp_parquet(tmp_path / "gdp.parquet", 300)
    config = pipeline(tmp_path, {"path": str(data), "prompt_column": "text", "limit": 100})
    code, _, err = hadron("run", str(config), "--out", str(tmp_path / "run"), "-q", "--sample", "5",
                          "--seed", "3")
    assert code == 0, err
    kept = rows(tmp_path / "run")
    assert len(kept) == 5 and all(int(str(row["prompt"]).split()[-1]) < 100 for row in kept)
    saved = yaml.safe_load((tmp_path / "run" / "config.yaml").read_text())["source"]
    assert (saved["head"], saved["sample"], saved["seed"], saved["prompt_column"]) == (100, 5, 3, "text")
    calls = len(asked)
    code, _, err = hadron("run", str(tmp_path / "run" / "config.yaml"), "--out", str(tmp_path / "run"), "-q")
    assert code == 0 and len(asked) == calls  # the replay picks the same sample: nothing left to do


def test_id_and_system_columns(hadron: Hadron, tmp_path: Path, asked: list[object]) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"key": "k1", "question": "Say hi", "persona": "Answer in French."}) + "\n")
    config = pipeline(tmp_path, {"path": str(source)})
    code, _, err = hadron("run", str(config), "--out", str(tmp_path / "run"), "-q", "--prompt-column",
                          "question", "--id-column", "key", "--system-column", "persona")
    assert code == 0, err
    (row,) = rows(tmp_path / "run")
    assert (row["id"], row["prompt"], row["system"]) == ("k1", "Say hi", "Answer in French.")


def test_a_bad_flag_value_is_one_line(hadron: Hadron, tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text('{"prompt": "x"}\n')
    code, _, err = hadron("run", str(pipeline(tmp_path, {"path": str(source)})), "--out", str(tmp_path / "r"),
                          "--on-duplicate-id", "keep-last")
    assert code == 2
    assert err.strip() == "error: --on-duplicate-id: Input should be 'error' or 'keep-first'"


def test_autoreason_reads_the_gdp_layout_with_a_seeded_sample(hadron: Hadron, tmp_path: Path) -> None:
    data = gdp_parquet(tmp_path / "gdp.parquet", 200)
    with FaultServer(latency_s=0.001) as server:
        settings = tmp_path / "autoreason.yaml"
        settings.write_text(yaml.safe_dump({"model": server.spec(), "max_passes": 1, "n_judges": 2}))
        args = ["autoreason", str(data), "--out", str(tmp_path / "run"), "--config", str(settings), "-q",
                "--prompt-column", "text", "--sample", "3", "--seed", "11"]
        code, _, err = hadron(*args)
        assert code == 0, err
        first = sorted(str(row["prompt"]) for row in rows(tmp_path / "run"))
        calls = len(server.chat_requests())
        code, _, err = hadron(*args)
        assert code == 0, err
        assert len(server.chat_requests()) == calls  # the same three rows: all done
    assert len(first) == 3 and first == sorted(str(row["prompt"]) for row in rows(tmp_path / "run"))
