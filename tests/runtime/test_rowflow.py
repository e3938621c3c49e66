"""How one row moves through the graph: fan-out, fan-in, routing, rejects and errors."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import pytest

from hadron.core import Reject, Row
from hadron.llm.errors import RateLimited, RetriesExhausted
from hadron.llm.hub import ModelHub
from hadron.runtime.dag import build_dag
from hadron.runtime.rowflow import RowFlow
from hadron.runtime.stats import RunStats
from hadron.runtime.step import Step, StepContext, StepOutput
from hadron.runtime.steps import Explode, Passthrough, RouteByColumn


class Fn(Step):
    """A step from a function ``fn(row, ctx)`` (sync or async); counts its calls per row id."""

    def __init__(self, name: str, fn: Any, writes: tuple[str, ...] = ()) -> None:
        super().__init__(name, outputs=writes)
        self.fn = fn
        self.seen: Counter[str] = Counter()

    async def process(self, row: Row, ctx: StepContext) -> StepOutput:
        self.seen[ctx.row_id] += 1
        out = self.fn(row, ctx)
        return await out if asyncio.iscoroutine(out) else out


def setter(name: str, column: str, value: Any) -> Fn:
    return Fn(name, lambda row, ctx: {**row, column: value}, (column,))


async def execute(steps: list[Step], row: Row, edges: list[tuple[str, str]] | None = None) -> Any:
    stats = RunStats()
    flow = RowFlow(build_dag(steps, edges), ModelHub(), stats)
    return await flow.execute(row), stats


async def test_chain_passes_the_row_along() -> None:
    outcome, stats = await execute([setter("a", "x", 1), Fn("b", lambda r, c: {**r, "y": r["x"] + 1})],
                                   {"id": "r", "prompt": "p"})
    assert outcome.rows == [{"id": "r", "prompt": "p", "x": 1, "y": 2}]
    assert stats.step_calls == {"a": 1, "b": 1}


async def test_parallel_branches_run_concurrently_and_merge() -> None:
    both_started = asyncio.Event()
    started: list[str] = []

    async def branch(row: Row, ctx: StepContext, name: str) -> Row:
        started.append(name)
        if len(started) == 2:
            both_started.set()
        await asyncio.wait_for(both_started.wait(), 2)  # deadlocks if branches ran one after the other
        return {**row, name: True, "shared": name}

    steps = [Passthrough("a"), Fn("b", lambda r, c: branch(r, c, "b")),
             Fn("c", lambda r, c: branch(r, c, "c")), Passthrough("d")]
    outcome, _ = await execute(steps, {"id": "r"}, [("a", "b"), ("a", "c"), ("b", "d"), ("c", "d")])
    assert outcome.rows == [{"id": "r", "b": True, "c": True, "shared": "c"}]  # later upstream wins


async def test_branches_do_not_see_each_others_writes() -> None:
    def mutate(row: Row, ctx: StepContext) -> Row:
        row["touched"] = True
        return row

    steps = [Passthrough("a"), Fn("b", mutate), Fn("c", lambda r, c: {**r, "c_saw": "touched" in r})]
    outcome, _ = await execute(steps, {"id": "r"}, [("a", "b"), ("a", "c")])
    assert outcome.rows == [{"id": "r", "touched": True, "c_saw": False}]  # two leaves: merged


async def test_fan_out_children_get_ids_and_run_the_rest() -> None:
    steps = [Passthrough("src"), Explode("split", column="items", into="item"),
             Fn("upper", lambda r, c: {**r, "item": r["item"].upper(), "seen_id": c.row_id})]
    outcome, stats = await execute(steps, {"id": "r", "items": ["a", "b", "c"]})
    assert [(r["id"], r["item"], r["seen_id"]) for r in outcome.rows] == [
        ("r/0", "A", "r/0"), ("r/1", "B", "r/1"), ("r/2", "C", "r/2")]
    assert stats.step_calls == {"src": 1, "split": 1, "upper": 3}


async def test_fan_out_children_share_a_sibling_branch_computed_once() -> None:
    sibling = setter("sibling", "extra", 42)
    steps = [Passthrough("root"), Explode("split", column="items"), sibling,
             Fn("join", lambda r, c: {**r, "joined": (r["items"], r["extra"])})]
    edges = [("root", "split"), ("root", "sibling"), ("split", "join"), ("sibling", "join")]
    outcome, _ = await execute(steps, {"id": "r", "items": [1, 2]}, edges)
    assert [(r["id"], r["joined"]) for r in outcome.rows] == [("r/0", (1, 42)), ("r/1", (2, 42))]
    assert sibling.seen == {"r": 1}


async def test_nested_fan_out() -> None:
    steps = [Explode("outer", column="groups", into="group"), Explode("inner", column="group", into="x")]
    outcome, _ = await execute(steps, {"id": "r", "groups": [[1, 2], [3]]})
    assert [(r["id"], r["x"]) for r in outcome.rows] == [("r/0/0", 1), ("r/0/1", 2), ("r/1/0", 3)]


async def test_routing_runs_only_the_chosen_branch() -> None:
    en, fr = setter("en", "greeting", "hello"), setter("fr", "greeting", "bonjour")
    steps = [RouteByColumn("route", column="lang", branches={"en": "en", "fr": "fr"}), en, fr,
             Fn("after", lambda r, c: {**r, "done": True})]
    edges = [("route", "en"), ("route", "fr"), ("en", "after"), ("fr", "after")]
    outcome, _ = await execute(steps, {"id": "r", "lang": "fr"}, edges)
    assert outcome.rows == [{"id": "r", "lang": "fr", "greeting": "bonjour", "done": True}]
    assert en.seen == {} and fr.seen == {"r": 1}


async def test_routing_to_leaves() -> None:
    steps = [RouteByColumn("route", column="k", branches={}, default="b"), setter("a", "x", "a"),
             setter("b", "x", "b")]
    outcome, _ = await execute(steps, {"id": "r", "k": "?"}, [("route", "a"), ("route", "b")])
    assert outcome.rows == [{"id": "r", "k": "?", "x": "b"}]


async def test_route_without_a_branch_is_an_error_record() -> None:
    steps = [RouteByColumn("route", column="k", branches={"a": "a"}), Passthrough("a")]
    outcome, _ = await execute(steps, {"id": "r", "k": "zzz"}, [("route", "a")])
    assert outcome.rows == []
    assert outcome.errors[0].step == "route" and "no branch for k='zzz'" in outcome.errors[0].message


async def test_reject_and_none_end_the_row_with_a_reason() -> None:
    outcome, _ = await execute([Fn("f", lambda r, c: Reject("too_short", {"len": 3}))], {"id": "r"})
    assert outcome.rows == [] and outcome.rejects[0].model_dump() == {
        "id": "r", "source_id": "r", "step": "f", "reason": "too_short", "detail": {"len": 3}}
    outcome, _ = await execute([Fn("f", lambda r, c: None)], {"id": "r"})
    assert outcome.rejects[0].reason == "dropped"


async def test_error_record_carries_type_step_and_attempts() -> None:
    def fail(row: Row, ctx: StepContext) -> Row:
        raise RetriesExhausted("gave up after 4 attempts", attempts=4, last=RateLimited("429"))

    outcome, _ = await execute([Passthrough("a"), Fn("call", fail), Passthrough("c")], {"id": "r"})
    (error,) = outcome.errors
    assert (error.id, error.step, error.error_type, error.attempts) == ("r", "call", "RetriesExhausted", 4)
    assert error.message == "gave up after 4 attempts"


async def test_a_failing_child_does_not_take_its_siblings_down() -> None:
    def maybe_fail(row: Row, ctx: StepContext) -> Row:
        if row["items"] == 2:
            raise ValueError("two is bad")
        return row

    steps = [Explode("split", column="items"), Fn("check", maybe_fail)]
    outcome, _ = await execute(steps, {"id": "r", "items": [1, 2, 3]})
    assert [r["id"] for r in outcome.rows] == ["r/0", "r/2"]
    assert [(e.id, e.source_id, e.error_type) for e in outcome.errors] == [("r/1", "r", "ValueError")]


async def test_a_failing_shared_step_fails_the_parent_once() -> None:
    async def slow_fail(row: Row, ctx: StepContext) -> Row:
        await asyncio.sleep(0.01)
        raise ValueError("sibling broke")

    steps = [Passthrough("root"), Explode("split", column="items"), Fn("sibling", slow_fail),
             Passthrough("join")]
    edges = [("root", "split"), ("root", "sibling"), ("split", "join"), ("sibling", "join")]
    outcome, _ = await execute(steps, {"id": "r", "items": [1, 2]}, edges)
    assert outcome.rows == []
    assert [(e.id, e.step) for e in outcome.errors] == [("r", "sibling")]


async def test_two_fan_outs_in_one_row_are_an_error() -> None:
    steps = [Passthrough("a"), Explode("x", column="items"), Explode("y", column="items")]
    outcome, _ = await execute(steps, {"id": "r", "items": [1]}, [("a", "x"), ("a", "y")])
    assert outcome.rows == [] and "already fanned out" in outcome.errors[0].message


async def test_bad_return_value_is_an_error_record() -> None:
    outcome, _ = await execute([Fn("f", lambda r, c: "text")], {"id": "r"})
    assert outcome.errors[0].error_type == "TypeError"


async def test_seed_is_stable_per_row_and_parts() -> None:
    seeds: list[int] = []
    step = Fn("f", lambda r, c: seeds.append(c.seed("judge", 1)) or r)
    await execute([step], {"id": "r1"})
    await execute([step], {"id": "r1"})
    await execute([step], {"id": "r2"})
    assert seeds[0] == seeds[1] != seeds[2]


@pytest.mark.parametrize("items", [[]])
async def test_empty_explode_is_a_reject(items: list[Any]) -> None:
    outcome, _ = await execute([Explode("split", column="items")], {"id": "r", "items": items})
    assert outcome.rejects[0].reason == "empty_list"
