"""``step: nanoflux`` in the pipeline runtime: rows in RUN/data, reasons in RUN/rejects.jsonl, resume."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from hadron.llm.errors import Rejected
from hadron.llm.hub import ModelHub
from hadron.llm.types import ChatRequest
from hadron.runtime.pipeline import Pipeline
from hadron.runtime.registry import build_step, step_class
from hadron.tasks.nanoflux.step import NanoFluxStep, RoundOrder, RoundSource

from .conftest import GOOD_VERDICT, Fake, FakeEmbedder, Round, question_text, role_of


def options(spec: str, **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {"domains": ["math"], "per_domain": 3, "pool_factor": 1, "max_rounds": 8,
                              "concurrency": 2,
                              "attacker": {"model": spec}, "defender": {"model": spec},
                              "judge": {"model": spec, "tools": []}}
    return {**values, **overrides}


def read(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def kept_rows(out: Path) -> list[dict[str, Any]]:
    return [row for path in sorted((out / "data").glob("part-*.jsonl")) for row in read(path)]


async def run(step: NanoFluxStep, out: Path, **kwargs: Any) -> Any:
    async with ModelHub() as hub:
        pipeline = Pipeline(source=RoundSource(step), steps=[step], max_in_flight=2)
        return await pipeline.run(out, models=hub, progress="off", **kwargs)


def test_the_kind_is_registered() -> None:
    assert step_class("nanoflux") is NanoFluxStep
    step = build_step("nanoflux", "nf", {"domains": ["math"], "per_domain": 4, "embedder": "local"})
    assert isinstance(step, NanoFluxStep) and step.options.per_domain == 4
    assert step.config()["per_domain"] == 4


async def test_a_run_writes_kept_rows_and_rejects_with_reasons(scripted, tmp_path: Path) -> None:
    fake = Fake(rounds={1: Round(verdict={**GOOD_VERDICT, "defender_correct": True}),
                        2: Round(verdict="not a verdict")})
    spec = scripted(fake)
    step = NanoFluxStep("nanoflux", embed_with=FakeEmbedder(), **options(spec))
    result = await run(step, tmp_path / "run")
    rows = read(tmp_path / "run" / "data" / "part-00000.jsonl")
    assert [r["id"] for r in rows] == ["math/r00000", "math/r00003", "math/r00004"]
    assert rows[0]["question"] == question_text(0) and rows[0]["domain"] == "math" and rows[0]["round"] == 0
    rejects = {r["id"]: r for r in read(tmp_path / "run" / "rejects.jsonl")}
    assert rejects["math/r00001"]["reason"] == "defender_succeeded"
    assert rejects["math/r00002"]["reason"] == "judge_unparseable"
    assert rejects["math/r00002"]["detail"]["asks"] == 3
    assert rejects["math/r00001"]["detail"]["question"] == question_text(1)
    rejected = dict(result.manifest.rejected)
    late = rejected.pop("budget_reached", 0)  # rounds already in flight when the budget filled
    assert result.manifest.rows == 3 and rejected == {"defender_succeeded": 1, "judge_unparseable": 1}
    assert late <= 3 and fake.attacks <= 7  # the source stops once the budget is full


def defender_offline_after_round_0(fake: Fake) -> Callable[[ChatRequest], object]:
    """``fake``, except that the defender is unreachable for every round but the first (rows fail)."""

    def answer(request: ChatRequest) -> object:
        if role_of(request) == "defender" and "Q0:" not in str(request.messages[-1]["content"]):
            raise Rejected("offline")
        return fake(request)

    return answer


async def test_resume_restores_kept_questions_for_the_novelty_check(scripted, tmp_path: Path) -> None:
    out = tmp_path / "run"
    spec = scripted(defender_offline_after_round_0(Fake()))
    step = NanoFluxStep("nanoflux", embed_with=FakeEmbedder(), **options(spec, max_rounds=3, concurrency=1))
    result = await run(step, out)
    assert result.manifest.rows == 1 and result.manifest.errors == 2
    assert [r["id"] for r in kept_rows(out)] == ["math/r00000"]

    # The same pipeline later, now answering; round 2 repeats round 0's question.
    second = Fake(rounds={2: Round(attack=json.dumps({"question": question_text(0), "explanation": "e",
                                                      "answer": "42"}))})
    spec_again = spec.split(":")[1]
    from hadron.testing import register_scripted

    register_scripted(spec_again, second)
    resumed = NanoFluxStep("nanoflux", embed_with=FakeEmbedder(),
                           **options(spec, max_rounds=3, concurrency=1))
    result = await run(resumed, out, retry_errors=True)  # the session restores the kept question
    assert resumed.restored == 1
    assert [r["id"] for r in kept_rows(out)] == ["math/r00000", "math/r00001"]
    reasons = {r["id"]: r["reason"] for r in read(out / "rejects.jsonl")}
    assert reasons == {"math/r00002": "too_similar"}
    assert read(out / "errors.jsonl") == []


async def test_round_order_waits_only_for_smaller_rounds_in_flight() -> None:
    import asyncio

    order = RoundOrder()
    done: list[int] = []
    order.enter("math", 3)
    order.enter("math", 5)
    order.enter("science", 1)

    async def curate(domain: str, index: int) -> None:
        await order.wait_turn(domain, index)
        done.append(index)
        order.leave(domain, index)

    later = asyncio.create_task(curate("math", 5))
    other = asyncio.create_task(curate("science", 1))
    await asyncio.sleep(0.01)
    assert done == [1]  # science does not wait for math
    await curate("math", 3)
    await later
    await other
    assert done == [1, 3, 5]


def write_three_round_pipeline(tmp_path: Path, spec: str, *, run: str = "") -> None:
    """``rounds.jsonl`` (3 math rounds) and a ``pipeline.yaml`` with one ``nanoflux`` step on ``spec``."""
    (tmp_path / "rounds.jsonl").write_text("".join(
        json.dumps({"id": f"r{i}", "prompt": f"math round {i}", "domain": "math", "round": i}) + "\n"
        for i in range(3)))
    (tmp_path / "pipeline.yaml").write_text(f"""
source: {{path: rounds.jsonl, id_column: id}}
steps:
  - step: nanoflux
    domains: [math]
    per_domain: 5
    embedder: "fake:"
    attacker: {{model: "{spec}"}}
    defender: {{model: "{spec}"}}
    judge: {{model: "{spec}", tools: []}}
{run}""")


@pytest.mark.usefixtures("fake_embedder")
async def test_a_yaml_pipeline_runs_the_step(scripted, tmp_path: Path) -> None:
    from hadron.runtime.config import load_pipeline
    from hadron.runtime.rundir import RunDir
    from hadron.tasks.nanoflux.report import report_sections

    spec = scripted(Fake(rounds={1: Round(verdict={**GOOD_VERDICT, "hops": 30})}))
    write_three_round_pipeline(tmp_path, spec)
    pipeline = load_pipeline(tmp_path / "pipeline.yaml")
    async with ModelHub() as hub:
        result = await pipeline.run(tmp_path / "run", models=hub, progress="off")
    rows = read(tmp_path / "run" / "data" / "part-00000.jsonl")
    assert [(r["id"], r["question"]) for r in rows] == [("r0", question_text(0)), ("r2", question_text(2))]
    assert result.manifest.rejected == {"hops_out_of_band": 1}

    # no selection.jsonl under `hadron run`: the report makes the selection from the pool
    (section,) = [s for s in report_sections(RunDir(tmp_path / "run")) if s.id == "selection"]
    (table,) = section.tables
    assert table.title.startswith("math: ") and sorted(row[0] for row in table.rows) == ["r0", "r2"]
    assert all(row[7] for row in table.rows)  # each says why


@pytest.mark.usefixtures("fake_embedder")
async def test_hadron_run_restores_kept_questions_on_resume(scripted, tmp_path: Path) -> None:
    """``step: nanoflux`` from a YAML pipeline: a resumed session (a fresh step) still knows the
    questions kept before, so a near-repeat of one is rejected as too_similar."""
    from hadron.runtime.config import load_pipeline
    from hadron.testing import register_scripted

    spec = scripted(defender_offline_after_round_0(Fake()))
    write_three_round_pipeline(tmp_path, spec, run="run: {max_in_flight: 1}\n")
    out = tmp_path / "run"
    async with ModelHub() as hub:
        result = await load_pipeline(tmp_path / "pipeline.yaml").run(out, models=hub, progress="off")
    assert result.manifest.rows == 1 and result.manifest.errors == 2

    # Later, answering; round 2 repeats round 0's question (kept in the first session).
    repeat = json.dumps({"question": question_text(0), "explanation": "e", "answer": "42"})
    register_scripted(spec.split(":")[1], Fake(rounds={2: Round(attack=repeat)}))
    async with ModelHub() as hub:
        pipeline = load_pipeline(tmp_path / "pipeline.yaml")
        await pipeline.run(out, models=hub, progress="off", retry_errors=True)
    assert sorted(r["id"] for r in kept_rows(out)) == ["r0", "r1"]
    (reject,) = read(out / "rejects.jsonl")
    assert reject["id"] == "r2" and reject["reason"] == "too_similar"
    assert reject["detail"]["nearest"] == "math/r00000"  # the round id, as in an uninterrupted run


@pytest.mark.model
async def test_restore_indexes_real_embeddings_of_the_kept_questions() -> None:
    """With the packaged MiniLM (not a fake embedder): the restored index finds a paraphrase of a kept
    question above the novelty threshold, under the round id the live curator would use."""
    from hadron.tasks.nanoflux.embeddings import LocalMiniLM

    embedder = LocalMiniLM()
    step = NanoFluxStep("nanoflux", embed_with=embedder, **options("scripted:unused"))
    kept = [{"id": "q-a", "domain": "math", "round": 0,
             "question": "A train travels 120 km in 2 hours. What is its average speed in km/h?"},
            {"id": "q-b", "domain": "math", "round": 1,
             "question": "How many ways can 4 different books be arranged on a shelf?"}]
    assert await step.restore(kept) == 2 and step.restored == 2
    paraphrase = await embedder.embed(
        ["A train covers 120 km in two hours; what is its average speed in km/h?"])
    similarity, nearest = step.curator.index("math").nearest(paraphrase)
    assert nearest == "math/r00000" and similarity > step.options.novelty_threshold
    unrelated = await embedder.embed(["Name the capital city of Australia."])
    assert step.curator.index("math").nearest(unrelated)[0] < step.options.novelty_threshold
    await embedder.aclose()
