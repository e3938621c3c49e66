"""``--executor ray`` on a local Ray instance (2 CPUs) with the model served over HTTP by the fault server.

Scripted backends live in the test process, which Ray workers are not, so every model here is the
``FaultServer`` on 127.0.0.1. Steps defined in this file reach the workers by import: the Ray instance
puts ``tests/`` on their path, the way a cluster ships a package of custom steps.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict

from hadron.core import Row
from hadron.runtime.pipeline import Pipeline
from hadron.runtime.step import Step, StepContext, StepOutput
from hadron.runtime.steps import Generate
from hadron.testing import FaultServer, expected_reply

TESTS_DIR = Path(__file__).resolve().parents[2]

Hadron = Callable[..., tuple[int, str, str]]


class WhereAmI(Step):
    """Writes the worker's process id, to show which worker ran a row."""

    def __init__(self, name: str | None = None) -> None:
        super().__init__(name, outputs=("pid",))

    async def process(self, row: Row, ctx: StepContext) -> StepOutput:
        return {**row, "pid": os.getpid()}


class KillOnce(Step):
    """Kills its own worker process (SIGKILL, no cleanup) the first time it sees one of ``ids``, after
    the block's other rows have been journaled and some shards published."""

    class Options(BaseModel):
        model_config = ConfigDict(extra="forbid")
        marker_dir: str
        ids: list[str]

    def __init__(self, name: str | None = None, **options: Any) -> None:
        self.options = self.Options(**options)
        super().__init__(name, outputs=("survived",))

    @classmethod
    def from_options(cls, name: str, options: Options) -> KillOnce:
        return cls(name, **options.model_dump())

    async def process(self, row: Row, ctx: StepContext) -> StepOutput:
        marker = Path(self.options.marker_dir) / f"{row['id']}.killed"
        if row["id"] in self.options.ids and not marker.exists():
            marker.parent.mkdir(parents=True, exist_ok=True)
            marker.write_text(str(os.getpid()))
            await asyncio.sleep(0.6)
            os.kill(os.getpid(), signal.SIGKILL)
        return {**row, "survived": True}

    def config(self) -> dict[str, Any]:
        return {"name": self.name, **self.options.model_dump()}


@pytest.fixture(scope="module")
def cluster() -> Iterator[None]:
    ray = pytest.importorskip("ray")
    path = os.pathsep.join([str(TESTS_DIR), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    ray.init(num_cpus=2, include_dashboard=False, logging_level="ERROR",
             runtime_env={"env_vars": {"PYTHONPATH": path}})
    yield
    ray.shutdown()


def prompts(count: int) -> list[Row]:
    return [{"id": f"r{i:02d}", "prompt": f"question {i}"} for i in range(count)]


def read_rows(run_dir: Path) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for shard in sorted((run_dir / "data").glob("part-*.jsonl")):
        rows.extend(json.loads(line) for line in shard.read_text().splitlines())
    return rows


def manifest(run_dir: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((run_dir / "manifest.json").read_text())
    return data


def bodies(server: FaultServer) -> list[str]:
    return sorted(json.dumps(r.body, sort_keys=True) for r in server.chat_requests())


def test_local_and_ray_give_the_same_rows_and_requests(cluster: None, tmp_path: Path, hadron: Hadron) -> None:
    with FaultServer() as server:
        source = tmp_path / "prompts.jsonl"
        source.write_text("".join(json.dumps(row) + "\n" for row in prompts(12)))
        pipeline = tmp_path / "pipeline.yaml"
        pipeline.write_text(f"source: {{path: prompts.jsonl, id_column: id}}\n"
                            f"steps:\n  - step: generate\n    model: {server.spec()}\n    temperature: 0.7\n"
                            f"sink: {{shard_rows: 4}}\n")
        code, _, err = hadron("run", pipeline, "--out", tmp_path / "local", "--quiet")
        assert code == 0, err
        local_requests = bodies(server)
        server.clear()

        code, out, err = hadron("run", pipeline, "--out", tmp_path / "ray", "--executor", "ray",
                                "--block-rows", "5", "--quiet")
        assert code == 0, err
        assert "12 rows" in out
        assert bodies(server) == local_requests  # same requests, seeds included

        local_rows = sorted(read_rows(tmp_path / "local"), key=lambda r: r["id"])
        ray_rows = sorted(read_rows(tmp_path / "ray"), key=lambda r: r["id"])
        assert ray_rows == local_rows
        assert ray_rows[0]["generation"] == expected_reply("question 0")
        meta = manifest(tmp_path / "ray")
        assert meta["rows"] == 12 and meta["complete"] and meta["errors"] == 0
        assert sorted(s["name"] for s in meta["shards"]) == [
            "part-b00000-00000.jsonl", "part-b00000-00001.jsonl", "part-b00001-00000.jsonl",
            "part-b00001-00001.jsonl", "part-b00002-00000.jsonl"]
        assert sorted(p.name for p in (tmp_path / "ray" / "checkpoint" / "blocks").iterdir()) == [
            "b00000.done.json", "b00001.done.json", "b00002.done.json"]  # work dirs are gone
        card = (tmp_path / "ray" / "README.md").read_text()  # the dataset card, as a local run writes it
        assert card.split("\n", 1)[0] == "---" and "| rows | 12 |" in card.splitlines()

        server.clear()  # a rerun skips the finished blocks: no request, same rows
        code, _, err = hadron("run", pipeline, "--out", tmp_path / "ray", "--executor", "ray",
                              "--block-rows", "5", "--quiet")
        assert code == 0, err
        assert server.chat_requests() == []
        assert sorted(read_rows(tmp_path / "ray"), key=lambda r: r["id"]) == local_rows

        code, _, err = hadron("run", pipeline, "--out", tmp_path / "ray")  # local on a Ray run dir
        assert code == 2
        assert "was made with --executor ray" in err and "Traceback" not in err


async def test_two_workers_share_one_rate_limit(cluster: None, tmp_path: Path) -> None:
    from hadron.runtime.executors.ray import RayExecutor

    with FaultServer() as server:
        model = {"spec": server.spec(), "rpm": 60}
        pipeline = Pipeline(source=prompts(12), steps=[Generate("answer", model=model), WhereAmI("where")])
        result = await pipeline.run(tmp_path / "run", executor=RayExecutor(block_rows=6), progress="off")
        arrivals = sorted(r.arrival for r in server.chat_requests())

    assert result.rows == 12
    assert len({row["pid"] for row in read_rows(tmp_path / "run")}) == 2  # two workers asked at once
    assert len(arrivals) == 12
    # 60 requests/min for the pair of workers: in any stretch of T seconds at most T + 1 requests (the
    # limiter spaces them one second apart; two workers with a limit each would send two per second).
    for i in range(len(arrivals)):
        for j in range(i + 1, len(arrivals)):
            assert arrivals[j] - arrivals[i] >= (j - i - 1) * 0.95, f"requests {i}..{j} came too fast"
    assert arrivals[-1] - arrivals[0] >= 10 * 0.95  # 12 requests


async def test_a_killed_worker_is_retried_and_every_row_is_written_once(cluster: None,
                                                                       tmp_path: Path) -> None:
    from hadron.runtime.executors.ray import RayExecutor

    markers = tmp_path / "markers"
    with FaultServer() as server:
        steps = [Generate("answer", model=server.spec()),
                 KillOnce("kill", marker_dir=str(markers), ids=["r03", "r14"])]
        pipeline = Pipeline(source=prompts(20), steps=steps, sink={"shard_rows": 3})
        result = await pipeline.run(tmp_path / "run", executor=RayExecutor(block_rows=10), progress="off")

    assert sorted(p.name for p in markers.iterdir()) == ["r03.killed", "r14.killed"]  # both blocks died
    ids = [row["id"] for row in read_rows(tmp_path / "run")]
    assert sorted(ids) == [f"r{i:02d}" for i in range(20)]  # every row, exactly once
    assert result.rows == 20 and result.errors == 0
    assert manifest(tmp_path / "run")["complete"]
    assert (tmp_path / "run" / "errors.jsonl").read_text() == ""


async def test_retry_errors_reruns_the_blocks_with_errors(cluster: None, tmp_path: Path) -> None:
    from hadron.runtime.executors.ray import RayExecutor

    with FaultServer(sequence=["unavailable"]) as server:  # the first ask of each prompt gets a 503
        model = {"spec": server.spec(), "max_retries": 0}
        pipeline = Pipeline(source=prompts(4), steps=[Generate("answer", model=model)])
        failed = await pipeline.run(tmp_path / "run", executor=RayExecutor(block_rows=2), progress="off")
        assert (failed.rows, failed.errors) == (0, 4)
        errors = [json.loads(line) for line in (tmp_path / "run" / "errors.jsonl").read_text().splitlines()]
        assert sorted(e["id"] for e in errors) == ["r00", "r01", "r02", "r03"]

        # Each round asks again only the rows still in errors.jsonl (a second round may be needed: see
        # test_pool.py's twin of this test).
        retried, left = failed, 4
        for _ in range(3):
            server.clear()
            retried = await pipeline.run(tmp_path / "run", executor=RayExecutor(block_rows=2),
                                         progress="off", retry_errors=True)
            assert 0 < len(server.chat_requests()) <= left  # only failed prompts are asked again
            left = retried.errors
            if not left:
                break
        server.clear()
        await pipeline.run(tmp_path / "run", executor=RayExecutor(block_rows=2), progress="off",
                           retry_errors=True)
        assert server.chat_requests() == []  # no block has errors left: nothing to redo
    assert (retried.rows, retried.errors) == (4, 0)
    assert (tmp_path / "run" / "errors.jsonl").read_text() == ""
    assert sorted(row["id"] for row in read_rows(tmp_path / "run")) == ["r00", "r01", "r02", "r03"]


# -- bad input -------------------------------------------------------------------------------------


def _pipeline_file(tmp_path: Path) -> Path:
    (tmp_path / "prompts.jsonl").write_text('{"prompt": "one"}\n')
    pipeline = tmp_path / "pipeline.yaml"
    pipeline.write_text("source: {path: prompts.jsonl}\n"
                        "steps:\n  - step: generate\n    model: http://127.0.0.1:9/v1#m\n")
    return pipeline


def test_ray_not_installed_is_one_line_with_the_fix(tmp_path: Path, hadron: Hadron,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` now raises ImportError
    code, _, err = hadron("run", _pipeline_file(tmp_path), "--out", tmp_path / "out", "--executor", "ray")
    assert code == 2
    assert "needs Ray" in err and "pip install 'hadron-distill[ray]'" in err
    assert len(err.strip().splitlines()) == 1 and not (tmp_path / "out").exists()


@pytest.mark.parametrize("scheme", ["", "ray://"])
def test_unreachable_address_is_one_line_with_the_fix(tmp_path: Path, hadron: Hadron, scheme: str) -> None:
    with socket.socket() as sock:  # a loopback port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    address = f"{scheme}127.0.0.1:{port}"
    code, _, err = hadron("run", _pipeline_file(tmp_path), "--out", tmp_path / "out", "--executor", "ray",
                          "--address", address)
    assert code == 2
    assert f"cannot reach the Ray cluster at {address}" in err and "ray start --head" in err
    assert len(err.strip().splitlines()) == 1


def test_address_without_ray_and_unknown_executor_are_refused(tmp_path: Path, hadron: Hadron) -> None:
    code, _, err = hadron("run", _pipeline_file(tmp_path), "--address", "auto")
    assert code == 2 and "--address" in err and "--executor ray" in err
    code, _, err = hadron("run", _pipeline_file(tmp_path), "--executor", "spark")
    assert code == 2 and "unknown executor 'spark'" in err and "local, ray" in err


def test_a_scripted_model_is_refused_before_ray_starts(tmp_path: Path, hadron: Hadron) -> None:
    from hadron.testing import register_scripted, unregister_scripted

    register_scripted("inproc", lambda request: "hi")
    try:
        pipeline = _pipeline_file(tmp_path)
        pipeline.write_text(pipeline.read_text().replace("http://127.0.0.1:9/v1#m", "scripted:inproc"))
        code, _, err = hadron("run", pipeline, "--out", tmp_path / "out", "--executor", "ray")
    finally:
        unregister_scripted("inproc")
    assert code == 2 and "Ray workers cannot call it" in err and "FaultServer" in err


def test_the_example_cluster_config_loads_with_per_endpoint_limits() -> None:
    from hadron.llm.config import PoolConfig
    from hadron.runtime.config import load_pipeline

    example = TESTS_DIR.parent / "examples" / "ray_cluster.yaml"
    model = load_pipeline(example).steps[0].options.model  # type: ignore[attr-defined]
    assert isinstance(model, PoolConfig)
    limits = {m.name: (m.model.base_url, m.model.max_concurrency, m.model.rpm) for m in model.members}
    assert limits["gpu-1"] == ("http://gpu-1.internal:8000/v1", 64, 6000)
    assert len({base for base, _, _ in limits.values()}) == 3


def _dedup_pipeline(tmp_path: Path, step: str, rows: int = 24) -> Path:
    """``rows`` prompts with 7 distinct values, repeated across blocks of 5, through ``step``."""
    source = tmp_path / "prompts.jsonl"
    source.write_text("".join(json.dumps({"id": f"r{i:02d}", "prompt": f"question {i % 7}"}) + "\n"
                              for i in range(rows)))
    pipeline = tmp_path / "pipeline.yaml"
    pipeline.write_text(f"source: {{path: prompts.jsonl, id_column: id}}\nsteps:\n  - {step}\n"
                        f"sink: {{shard_rows: 4}}\n")
    return pipeline


def test_exact_dedup_shares_its_seen_set_across_blocks(cluster: None, tmp_path: Path, hadron: Hadron) -> None:
    pipeline = _dedup_pipeline(tmp_path, "step: exact_dedup\n    fields: [prompt]")
    code, _, err = hadron("run", pipeline, "--out", tmp_path / "local", "--quiet")
    assert code == 0, err
    code, _, err = hadron("run", pipeline, "--out", tmp_path / "ray", "--executor", "ray",
                          "--block-rows", "5", "--quiet")
    assert code == 0, err
    local, ray = manifest(tmp_path / "local"), manifest(tmp_path / "ray")
    assert local["rows"] == 7 and local["rejected"] == {"exact_duplicate": 17}
    # per-block seen sets would keep 5 + 5 + 5 + 5 + 4 rows: the actor makes it the local run's 7
    assert (ray["rows"], ray["rejected"]) == (local["rows"], local["rejected"])
    assert sorted(r["prompt"] for r in read_rows(tmp_path / "ray")) == sorted(
        r["prompt"] for r in read_rows(tmp_path / "local"))


@pytest.mark.parametrize(("step", "name"), [
    ("step: minhash_dedup\n    fields: [prompt]", "minhash_dedup"),
    ("step: nanoflux\n    name: rounds\n    novelty_threshold: null\n    judge: {tools: []}", "rounds")])
def test_a_step_that_cannot_share_its_state_is_refused_by_name(tmp_path: Path, hadron: Hadron, step: str,
                                                                name: str) -> None:
    pytest.importorskip("ray")
    code, _, err = hadron("run", _dedup_pipeline(tmp_path, step), "--out", tmp_path / "out",
                          "--executor", "ray")
    assert code == 2, err
    assert f"step {name!r}" in err and "keeps state across rows" in err and "--executor local" in err
    assert not (tmp_path / "out" / "data").exists()


def test_repeated_ids_kept_first_are_rejects_as_on_the_local_executor(cluster: None, tmp_path: Path,
                                                                      hadron: Hadron) -> None:
    source = tmp_path / "prompts.jsonl"
    ids = ["a", "b", "a", "c", "a", "d", "b"]
    source.write_text("".join(json.dumps({"id": i, "prompt": f"q{n}"}) + "\n" for n, i in enumerate(ids)))
    pipeline = tmp_path / "pipeline.yaml"
    pipeline.write_text("source: {path: prompts.jsonl, on_duplicate_id: keep-first}\n"
                        "steps:\n  - step: passthrough\n    name: copy\n")
    code, _, err = hadron("run", pipeline, "--out", tmp_path / "local", "--quiet")
    assert code == 0, err
    for _ in range(2):  # the second session resumes: the repeats are not recorded twice
        code, _, err = hadron("run", pipeline, "--out", tmp_path / "ray", "--executor", "ray", "--block-rows",
                              "2", "--quiet")
        assert code == 0, err
    local, ray = manifest(tmp_path / "local"), manifest(tmp_path / "ray")
    assert local["rejected"] == ray["rejected"] == {"duplicate_id": 3}
    assert (local["errors"], ray["errors"]) == (0, 0)

    def rejects(run: Path) -> list[tuple[str, int]]:
        lines = (run / "rejects.jsonl").read_text().splitlines()
        return sorted((r["detail"]["id"], r["detail"]["line"]) for r in map(json.loads, lines))

    assert rejects(tmp_path / "local") == rejects(tmp_path / "ray") == [("a", 3), ("a", 5), ("b", 7)]
    assert sorted(r["prompt"] for r in read_rows(tmp_path / "ray")) == ["q0", "q1", "q3", "q5"]
