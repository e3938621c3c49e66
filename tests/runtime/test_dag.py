"""Graph checks: each error names the step at fault."""

from __future__ import annotations

from typing import ClassVar

import pytest

from hadron.core import Row
from hadron.errors import ConfigError
from hadron.runtime.dag import DagError, build_dag, check_columns
from hadron.runtime.step import Step, StepContext, StepOutput
from hadron.runtime.steps import Passthrough, RouteByColumn


class Uses(Step):
    kind: ClassVar[str] = "uses"

    def __init__(self, name: str, reads: tuple[str, ...] = (), writes: tuple[str, ...] = ()) -> None:
        super().__init__(name, inputs=reads, outputs=writes)

    async def process(self, row: Row, ctx: StepContext) -> StepOutput:
        return row


def test_a_list_of_steps_is_a_chain() -> None:
    dag = build_dag([Passthrough("a"), Passthrough("b"), Passthrough("c")])
    assert dag.edges == [("a", "b"), ("b", "c")]
    assert dag.leaves == ("c",)
    assert dag.descendants["a"] == {"b", "c"}


def test_fan_out_and_fan_in_edges() -> None:
    steps = [Passthrough(n) for n in ("a", "b", "c", "d")]
    dag = build_dag(steps, [("a", "b"), ("a", "c"), ("b", "d"), ("c", "d")])
    assert dag.parents["d"] == ("b", "c")
    assert dag.children["a"] == ("b", "c")
    assert list(dag.steps) == ["a", "b", "c", "d"]


def test_duplicate_names() -> None:
    with pytest.raises(DagError, match="step 'a': two steps have this name") as err:
        build_dag([Passthrough("a"), Passthrough("a")])
    assert err.value.step == "a"


def test_unknown_step_in_an_edge_names_the_other_step() -> None:
    with pytest.raises(DagError, match="step 'b': is joined to unknown step 'x'"):
        build_dag([Passthrough("a"), Passthrough("b")], [("a", "b"), ("x", "b")])


def test_cycle_is_named() -> None:
    steps = [Passthrough(n) for n in ("a", "b", "c")]
    with pytest.raises(DagError, match=r"is part of a cycle: b -> c -> b"):
        build_dag(steps, [("a", "b"), ("b", "c"), ("c", "b")])


def test_self_loop() -> None:
    with pytest.raises(DagError, match="step 'a': runs after itself"):
        build_dag([Passthrough("a")], [("a", "a")])


def test_unconnected_step() -> None:
    steps = [Passthrough(n) for n in ("a", "b", "c")]
    with pytest.raises(DagError, match="step 'c': is not connected to step 'a'"):
        build_dag(steps, [("a", "b")])


def test_empty_pipeline() -> None:
    with pytest.raises(ConfigError, match="at least one step"):
        build_dag([])


def test_missing_column_names_step_and_column() -> None:
    dag = build_dag([Uses("gen", ("prompt",), ("answer",)), Uses("judge", ("answer", "rubric"))])
    with pytest.raises(DagError, match="step 'judge': reads column 'rubric'") as err:
        check_columns(dag, ["id", "prompt"])
    assert "available: answer, id, prompt" in str(err.value)


def test_columns_come_only_from_ancestors_not_siblings() -> None:
    steps = [Uses("a", writes=("x",)), Uses("b", ("x",), ("y",)), Uses("c", ("y",))]
    dag = build_dag(steps, [("a", "b"), ("a", "c")])
    with pytest.raises(DagError, match="step 'c': reads column 'y'"):
        check_columns(dag, ["prompt"])
    check_columns(build_dag(steps), ["prompt"])  # as a chain, c sees b's column


def test_writing_id_is_refused() -> None:
    with pytest.raises(DagError, match="step 'a': writes the `id` column"):
        check_columns(build_dag([Uses("a", writes=("id",))]), ["prompt"])


def test_router_needs_branches() -> None:
    with pytest.raises(DagError, match="step 'r': is a router with no branches"):
        build_dag([RouteByColumn("r", column="lang", branches={"en": "en"})])


def test_router_branches_must_run_after_it() -> None:
    steps = [RouteByColumn("r", column="lang", branches={"en": "en", "fr": "fr"}), Passthrough("en"),
             Passthrough("fr")]
    with pytest.raises(DagError, match="step 'r': routes to 'fr', which do not run after it"):
        build_dag(steps, [("r", "en"), ("en", "fr")])
