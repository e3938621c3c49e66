"""``Pipeline.run`` end to end with scripted models: outputs, records, retries, refresh, row-level flow."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from hadron.core import Row
from hadron.errors import ConfigError, InputError
from hadron.llm.errors import Rejected
from hadron.llm.types import ChatRequest
from hadron.runtime import Pipeline, Reject
from hadron.runtime.step import Step, StepContext, StepOutput
from hadron.runtime.steps import Explode, Filter, Generate, Passthrough

from .conftest import read_jsonl, read_rows, source_of, write_prompts


def user_text(request: ChatRequest) -> str:
    return str(request.messages[-1]["content"])


async def test_generate_writes_answers_to_shards(tmp_path: Path, backend: Any) -> None:
    spec, fake = backend(lambda r: f"<think>hmm</think>answer to {user_text(r)}")
    prompts = write_prompts(tmp_path / "p.jsonl", 5)
    pipeline = Pipeline(source_of(prompts), [Generate("answer", model=spec, prompt="Q: {{ prompt }}")],
                        sink={"shard_rows": 2})
    result = await pipeline.run(tmp_path / "run", progress="off")
    rows = read_rows(tmp_path / "run")
    assert [r["id"] for r in rows] == [f"r{i}" for i in range(5)]
    assert rows[0] == {"id": "r0", "prompt": "question 0", "generation": "answer to Q: question 0",
                       "reasoning": "hmm"}
    assert [s.rows for s in result.manifest.shards] == [2, 2, 1]
    assert result.manifest.complete and result.rows == 5
    assert len(fake.calls) == 5 and all(c.seed is not None for c in fake.calls)


async def test_every_run_writes_a_hub_dataset_card(tmp_path: Path, backend: Any) -> None:
    import yaml

    spec, _ = backend(lambda r: "an answer")
    prompts = write_prompts(tmp_path / "p.jsonl", 3)
    await Pipeline(source_of(prompts), [Generate("answer", model=spec)]).run(tmp_path / "run", progress="off")
    card = (tmp_path / "run" / "README.md").read_text(encoding="utf-8")
    header = yaml.safe_load(card.split("---")[1])
    assert header["configs"] and "license" in header


async def test_rerun_is_free_and_refresh_computes_only_new_rows(tmp_path: Path, backend: Any) -> None:
    spec, fake = backend(lambda r: "ok")
    prompts = write_prompts(tmp_path / "p.jsonl", 4)
    pipeline = Pipeline(source_of(prompts), [Generate("g", model=spec)], sink={"shard_rows": 3})
    await pipeline.run(tmp_path / "run", progress="off")
    again = await pipeline.run(tmp_path / "run", progress="off")
    assert again.stats.rows_skipped == 4 and again.stats.rows_in == 0 and len(fake.calls) == 4
    write_prompts(prompts, 3, start=4)
    refreshed = await pipeline.run(tmp_path / "run", progress="off")
    assert refreshed.stats.rows_in == 3 and len(fake.calls) == 7
    assert sorted(r["id"] for r in read_rows(tmp_path / "run")) == sorted(f"r{i}" for i in range(7))
    assert [s.name for s in refreshed.manifest.shards] == [
        "part-00000.jsonl", "part-00001.jsonl", "part-00002.jsonl"]
    stats = json.loads((tmp_path / "run" / "stats.json").read_text())
    assert stats["rows_out"] == 7 and stats["models"]["generate"]["calls"] == 7


async def test_failures_are_records_and_retry_errors_redoes_only_them(tmp_path: Path, backend: Any) -> None:
    broken = {"question 1", "question 3"}

    def answer(request: ChatRequest) -> str:
        if user_text(request) in broken:
            raise Rejected("model refused", status=400)
        return "fine"

    spec, fake = backend(answer)
    prompts = write_prompts(tmp_path / "p.jsonl", 5)
    pipeline = Pipeline(source_of(prompts), [Generate("g", model=spec)])
    result = await pipeline.run(tmp_path / "run", progress="off")
    errors = read_jsonl(tmp_path / "run" / "errors.jsonl")
    assert sorted(e["id"] for e in errors) == ["r1", "r3"] and result.errors == 2
    assert {e["step"] for e in errors} == {"g"} and {e["error_type"] for e in errors} == {"Rejected"}
    assert sorted(r["id"] for r in read_rows(tmp_path / "run")) == ["r0", "r2", "r4"]
    assert all(r.get("generation") for r in read_rows(tmp_path / "run"))  # never a null row

    broken.discard("question 1")
    fake.calls.clear()
    retried = await pipeline.run(tmp_path / "run", retry_errors=True, progress="off")
    assert sorted(user_text(c) for c in fake.calls) == ["question 1", "question 3"]
    assert [e["id"] for e in read_jsonl(tmp_path / "run" / "errors.jsonl")] == ["r3"]
    assert sorted(r["id"] for r in read_rows(tmp_path / "run")) == ["r0", "r1", "r2", "r4"]
    assert retried.errors == 1

    broken.clear()
    await pipeline.run(tmp_path / "run", retry_errors=True, progress="off")
    assert read_jsonl(tmp_path / "run" / "errors.jsonl") == []
    assert sorted(r["id"] for r in read_rows(tmp_path / "run")) == [f"r{i}" for i in range(5)]


async def test_retry_of_a_fan_out_child_keeps_its_siblings_once(tmp_path: Path, script: Any) -> None:
    failing = {"b"}

    class Check(Step):
        async def process(self, row: Row, ctx: StepContext) -> StepOutput:
            if row["items"] in failing:
                raise ValueError(f"bad item {row['items']}")
            return row

    source = [{"id": "x", "prompt": "p", "items": ["a", "b", "c"]}]
    pipeline = Pipeline(source, [Explode("split", column="items"), Check("check")])
    await pipeline.run(tmp_path / "run", progress="off")
    assert [e["id"] for e in read_jsonl(tmp_path / "run" / "errors.jsonl")] == ["x/1"]
    failing.clear()
    await pipeline.run(tmp_path / "run", retry_errors=True, progress="off")
    assert sorted(r["id"] for r in read_rows(tmp_path / "run")) == ["x/0", "x/1", "x/2"]
    assert read_jsonl(tmp_path / "run" / "errors.jsonl") == []


class Short(Filter):
    def keep(self, row: Row) -> bool | Reject:
        return Reject("too_long", {"chars": len(row["prompt"])}) if len(row["prompt"]) > 10 else True


async def test_rejects_are_recorded_and_counted_by_reason(tmp_path: Path) -> None:
    source = [{"id": "a", "prompt": "short"}, {"id": "b", "prompt": "much longer prompt"}]
    result = await Pipeline(source, [Short("len")]).run(tmp_path / "run", progress="off")
    assert [r["id"] for r in read_rows(tmp_path / "run")] == ["a"]
    assert read_jsonl(tmp_path / "run" / "rejects.jsonl") == [
        {"id": "b", "source_id": "b", "step": "len", "reason": "too_long", "detail": {"chars": 18}}]
    assert result.manifest.rejected == {"too_long": 1} and result.stats.rejected == {"too_long": 1}


async def test_a_fast_row_is_written_before_a_slow_row_finishes(tmp_path: Path) -> None:
    rows_journal = tmp_path / "run" / "checkpoint" / "part-00000.rows.jsonl"

    class SlowForOne(Step):
        async def process(self, row: Row, ctx: StepContext) -> StepOutput:
            if row["id"] == "slow":
                for _ in range(200):  # wait until the fast row is on disk: no batch barrier
                    if rows_journal.exists() and '"fast"' in rows_journal.read_text():
                        return {**row, "saw_fast": True}
                    await asyncio.sleep(0.02)
                raise TimeoutError("the fast row was never written while the slow one ran")
            return row

    source = [{"id": "slow", "prompt": "s"}, {"id": "fast", "prompt": "f"}]
    result = await Pipeline(source, [SlowForOne("s")]).run(tmp_path / "run", progress="off")
    assert result.errors == 0
    assert [r["id"] for r in read_rows(tmp_path / "run")] == ["fast", "slow"]


async def test_rows_in_flight_are_bounded(tmp_path: Path) -> None:
    active = peak = 0

    class Track(Step):
        async def process(self, row: Row, ctx: StepContext) -> StepOutput:
            nonlocal active, peak
            active += 1
            peak = max(peak, active)
            await asyncio.sleep(0.005)
            active -= 1
            return row

    source = [{"id": str(i), "prompt": "p"} for i in range(40)]
    await Pipeline(source, [Track("t")], max_in_flight=3).run(tmp_path / "run", progress="off")
    assert peak == 3


async def test_parquet_sink(tmp_path: Path) -> None:
    source = [{"id": "a", "prompt": "x", "n": 1}, {"id": "b", "prompt": "y", "n": "two"}]
    result = await Pipeline(source, [Passthrough()], sink={"format": "parquet"}).run(
        tmp_path / "run", progress="off")
    assert (tmp_path / "run" / "data" / "part-00000.parquet").exists()
    assert result.manifest.shards[0].json_columns == ["n"]
    assert [r["id"] for r in read_rows(tmp_path / "run")] == ["a", "b"]


async def test_a_different_pipeline_cannot_reuse_the_run_dir(tmp_path: Path) -> None:
    source = [{"id": "a", "prompt": "x"}]
    await Pipeline(source, [Passthrough("one")]).run(tmp_path / "run", progress="off")
    with pytest.raises(ConfigError, match="holds a run of a different pipeline"):
        await Pipeline(source, [Passthrough("two")]).run(tmp_path / "run", progress="off")


async def test_cancelling_stops_cleanly_and_the_rerun_finishes(tmp_path: Path) -> None:
    release = asyncio.Event()

    class Gate(Step):
        async def process(self, row: Row, ctx: StepContext) -> StepOutput:
            if row["id"] != "0":
                await release.wait()
            return row

    source = [{"id": str(i), "prompt": "p"} for i in range(5)]
    pipeline = Pipeline(source, [Gate("g")])
    task = asyncio.create_task(pipeline.run(tmp_path / "run", progress="off"))
    for _ in range(100):
        if (tmp_path / "run" / "checkpoint" / "part-00000.done.jsonl").exists():
            break
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.15)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    manifest = json.loads((tmp_path / "run" / "manifest.json").read_text())
    assert manifest["rows"] == 1 and manifest["complete"] is False
    assert json.loads((tmp_path / "run" / "checkpoint" / "state.json").read_text())["clean"] is True
    release.set()
    result = await pipeline.run(tmp_path / "run", progress="off")
    assert result.stats.rows_skipped == 1 and result.manifest.complete
    assert sorted(r["id"] for r in read_rows(tmp_path / "run")) == ["0", "1", "2", "3", "4"]


async def test_input_errors_are_recorded_with_file_and_line(tmp_path: Path) -> None:
    prompts = tmp_path / "p.jsonl"
    prompts.write_text('{"id": "a", "prompt": "x"}\n{not json\n{"id": "b", "prompt": "y"}\n')
    result = await Pipeline(source_of(prompts), [Passthrough()]).run(tmp_path / "run", progress="off")
    (error,) = read_jsonl(tmp_path / "run" / "errors.jsonl")
    assert error["step"] == "source" and error["line"] == 2 and error["id"] == f"{prompts}:2"
    assert result.stats.input_errors == 1 and result.rows == 2
    again = await Pipeline(source_of(prompts), [Passthrough()]).run(tmp_path / "run", progress="off")
    assert again.stats.input_errors == 0 and len(read_jsonl(tmp_path / "run" / "errors.jsonl")) == 1
    with pytest.raises(InputError, match=r"p\.jsonl:2"):
        await Pipeline(source_of(prompts), [Passthrough()]).run(tmp_path / "strict", strict=True,
                                                                progress="off")


async def test_empty_input_fails_before_writing(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no rows"):
        await Pipeline([], [Passthrough()]).run(tmp_path / "run", progress="off")
    assert not (tmp_path / "run").exists()


async def test_unknown_column_fails_before_writing(tmp_path: Path) -> None:
    pipeline = Pipeline([{"id": "a", "prompt": "x"}], [Generate("g", model="scripted:none",
                                                                prompt="{{ question }}")])
    with pytest.raises(ConfigError, match="step 'g': reads column 'question'"):
        await pipeline.run(tmp_path / "run", progress="off")
    assert not (tmp_path / "run").exists()


async def test_generate_n_fans_out_samples(tmp_path: Path, backend: Any) -> None:
    spec, fake = backend(lambda r: f"sample {r.sample_index}")
    pipeline = Pipeline([{"id": "a", "prompt": "x"}], [Generate("g", model=spec, n=3, temperature=0.8)])
    await pipeline.run(tmp_path / "run", progress="off")
    rows = read_rows(tmp_path / "run")
    assert [(r["id"], r["generation"]) for r in rows] == [("a/0", "sample 0"), ("a/1", "sample 1"),
                                                          ("a/2", "sample 2")]
    assert len({c.seed for c in fake.calls}) == 3


async def test_two_sessions_cannot_share_a_run_dir(tmp_path: Path) -> None:
    started, release = asyncio.Event(), asyncio.Event()

    class Hold(Step):
        async def process(self, row: Row, ctx: StepContext) -> StepOutput:
            started.set()
            await release.wait()
            return row

    source = [{"id": "a", "prompt": "x"}]
    first = asyncio.create_task(Pipeline(source, [Hold("h")]).run(tmp_path / "run", progress="off"))
    await asyncio.wait_for(started.wait(), 5)
    with pytest.raises(ConfigError, match="is in use by another hadron run"):
        await Pipeline(source, [Hold("h")]).run(tmp_path / "run", progress="off")
    release.set()
    assert (await first).rows == 1


def test_in_memory_rows_with_a_repeated_id_stop_before_the_first_row(tmp_path: Path) -> None:
    from hadron.errors import DuplicateIdError
    from hadron.runtime.pipeline import RowsSource

    rows = [{"id": "x", "prompt": "a"}, {"id": "y", "prompt": "b"}, {"id": "x", "prompt": "c"}]
    with pytest.raises(DuplicateIdError, match=r"<rows>:3: duplicate id .x. \(first at <rows>:1\); 1 rep"):
        next(iter(RowsSource(rows).rows()))
    same = [{"prompt": "a"}, {"prompt": "a"}]  # made ids never collide
    first, second = (row["id"] for row in RowsSource(same).rows())
    assert second == f"{first}-1"
