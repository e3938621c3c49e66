"""The ``agentic`` step in a real pipeline run: rows, rejects with reasons, served_by through a pool."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from hadron.llm import ModelConfig, PoolConfig
from hadron.llm.errors import ServerError
from hadron.llm.types import ChatRequest
from hadron.runtime import Pipeline
from hadron.tasks.agentic.run import AgenticRunConfig, run_agentic
from hadron.tasks.agentic.scenario import load_scenarios
from hadron.tasks.agentic.step import Agentic, plan_rows

from .conftest import auto_review, native_call, teacher_script

ORDERS = Path(__file__).resolve().parents[3] / "src/hadron/tasks/agentic/scenarios/orders"


def solver(request: ChatRequest):  # type: ignore[no-untyped-def]
    """Cancels O-1042 when offered cancel_order; loops forever on O-1038; otherwise gives up at once."""
    names = [tool["function"]["name"] for tool in request.tools or []]
    if "O-1038" in json.dumps(request.messages):
        return native_call("get_order", {"order_id": "O-1038"})
    if "cancel_order" in names and "O-1042" in json.dumps(request.messages):
        return teacher_script(
            [
                native_call("cancel_order", {"order_id": "O-1042", "reason": "ordered by mistake"}),
                "Order O-1042 is cancelled; the refund is on its way.",
            ]
        )(request)
    return "I am sorry, I cannot help with that."


def test_plan_rows_share_episodes_by_weight_across_families() -> None:
    scenarios = load_scenarios("all")
    rows = plan_rows(scenarios, 3)
    families = [next(s.family for s in scenarios if s.id == row["scenario"]) for row in rows]
    assert sorted(families) == ["orders", "telecom", "terminal"]
    assert len({row["id"] for row in plan_rows(scenarios, 40)}) == 40
    default = plan_rows(scenarios)
    assert len(default) == sum(s.target_count for s in scenarios)
    assert {row["variant"] for row in default if row["scenario"] == "terminal-disk-full-nginx"} == {0, 1}


async def test_a_run_saves_accepted_episodes_and_rejects_the_rest(
    scripted: Callable[..., str], tmp_path: Path
) -> None:
    wanted = ("orders-cancel-unshipped", "orders-return-damaged", "orders-change-address")
    rows = [
        row for row in plan_rows(load_scenarios(ORDERS)) if row["scenario"] in wanted and not row["variant"]
    ]
    teacher = scripted(solver)
    reviewer = scripted(auto_review(9))
    step = Agentic(
        scenarios=str(ORDERS),
        teacher=teacher,
        reviewer=reviewer,
        user=scripted(["Thanks."] * 9),
        loop={"max_turns": 3},
        review={"max_rounds": 0, "threshold": 0.0},
    )
    result = await Pipeline(source=rows, steps=[step]).run(tmp_path / "run", progress="off")
    assert result.rows == 1 and result.manifest.rejected == {"task_failed": 1, "turn_cap": 1}
    [row] = [json.loads(line) for line in (tmp_path / "run/data/part-00000.jsonl").read_text().splitlines()]
    assert row["id"] == "orders-cancel-unshipped#0" and row["success"] is True
    assert row["messages"][-1]["role"] == "assistant" and row["tools"][0]["type"] == "function"
    assert row["served_by"] == teacher and row["models"]["reviewer"] == reviewer
    assert row["tool_log"][0]["name"] == "cancel_order" and row["tool_log"][0]["simulated"] is False
    assert row["review"]["accepted"] and row["attempts"][0]["mode"] == "play"
    lines = (tmp_path / "run/rejects.jsonl").read_text().splitlines()
    rejects = {json.loads(line)["id"]: json.loads(line) for line in lines}
    failed = rejects["orders-change-address#0"]
    assert failed["reason"] == "task_failed" and failed["detail"]["checks"][0]["ok"] is False
    assert failed["detail"]["messages"][-1]["content"] == "I am sorry, I cannot help with that."
    looped = rejects["orders-return-damaged#0"]  # a loop that never ends: recorded, and the run went on
    assert looped["reason"] == "turn_cap" and looped["detail"]["turns"] == 3
    assert looped["detail"]["attempts"][0]["note"] == "no final answer within 3 assistant turns"


async def test_pool_failover_is_recorded_in_served_by(scripted: Callable[..., str], tmp_path: Path) -> None:
    def down(request: ChatRequest) -> str:
        raise ServerError("503 from the primary")

    primary = ModelConfig(
        backend="scripted", model=scripted(down).split(":", 1)[1], name="primary", max_retries=0
    )
    backup = ModelConfig(backend="scripted", model=scripted(solver).split(":", 1)[1], name="backup")
    pool = PoolConfig(members=[primary, backup], preferred=["primary", "backup"], name="teachers")
    config = AgenticRunConfig(
        scenarios=str(ORDERS / "cancel-order.yaml"),
        episodes=1,
        teacher=pool,
        review={"enabled": False},
        exports=["sft-openai"],
    )
    summary = await run_agentic(config, tmp_path / "run", progress="off")
    assert summary.rows == 1 and summary.served_by == {"backup": 1}
    row = json.loads((tmp_path / "run/data/part-00000.jsonl").read_text())
    assert row["models"]["teacher"] == "teachers" and row["models"]["turns"] == {"backup": 2}
    assert summary.exports["sft-openai"].written == 1
