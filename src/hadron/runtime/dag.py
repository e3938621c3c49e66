"""The pipeline graph: steps joined by edges, checked before anything runs.

A step with no upstream reads the source row. A step with several upstream steps (fan-in) runs once all
of them are finished and sees their columns merged. Checks, each naming the step at fault: duplicate or
unknown names, cycles, steps not connected to the rest, routers without branches, and columns a step
reads that neither the source nor an upstream step writes.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from hadron.errors import ConfigError
from hadron.runtime.step import Step
from hadron.runtime.steps.route import Router


class DagError(ConfigError):
    """The pipeline graph is invalid; ``step`` names the step at fault."""

    def __init__(self, step: str, message: str, *, hint: str | None = None) -> None:
        super().__init__(f"step {step!r}: {message}", hint=hint)
        self.step = step


@dataclass(frozen=True)
class Dag:
    steps: dict[str, Step]
    """By name, in topological order."""
    parents: dict[str, tuple[str, ...]]
    children: dict[str, tuple[str, ...]]
    descendants: dict[str, frozenset[str]]

    @property
    def leaves(self) -> tuple[str, ...]:
        return tuple(name for name in self.steps if not self.children[name])

    @property
    def edges(self) -> list[tuple[str, str]]:
        return [(parent, name) for name in self.steps for parent in self.parents[name]]


def chain(steps: Sequence[Step]) -> list[tuple[str, str]]:
    """The edges of a plain chain: each step reads what the previous one wrote."""
    return [(a.name, b.name) for a, b in itertools.pairwise(steps)]


def build_dag(steps: Sequence[Step], edges: Iterable[tuple[str, str]] | None = None) -> Dag:
    """Join ``steps`` by ``edges`` (``(upstream, downstream)`` names); ``None`` means a chain."""
    if not steps:
        raise ConfigError("a pipeline needs at least one step", hint="add a step, e.g. `step: passthrough`")
    by_name: dict[str, Step] = {}
    for step in steps:
        if not isinstance(step, Step):
            raise ConfigError(f"{step!r} is not a hadron Step")
        if step.name in by_name:
            raise DagError(step.name, "two steps have this name", hint="give each step a unique `name`")
        by_name[step.name] = step
    edge_list = chain(steps) if edges is None else list(edges)
    parents: dict[str, list[str]] = {name: [] for name in by_name}
    children: dict[str, list[str]] = {name: [] for name in by_name}
    for upstream, downstream in edge_list:
        for name, other in ((upstream, downstream), (downstream, upstream)):
            if name not in by_name:
                raise DagError(other, f"is joined to unknown step {name!r}",
                               hint=f"known steps: {', '.join(by_name)}")
        if upstream == downstream:
            raise DagError(upstream, "runs after itself (a cycle)")
        if upstream not in parents[downstream]:
            parents[downstream].append(upstream)
            children[upstream].append(downstream)
    order = _topological(by_name, parents, children)
    _check_connected(order, parents, children)
    descendants: dict[str, frozenset[str]] = {}
    for name in reversed(order):
        below: set[str] = set()
        for child in children[name]:
            below |= {child} | descendants[child]
        descendants[name] = frozenset(below)
    dag = Dag(steps={name: by_name[name] for name in order},
              parents={name: tuple(parents[name]) for name in order},
              children={name: tuple(children[name]) for name in order},
              descendants=descendants)
    _check_routers(dag)
    return dag


def check_columns(dag: Dag, source_columns: Iterable[str]) -> None:
    """Every column a step reads must come from the source or from a step upstream of it; no step may
    overwrite an input column it does not read (input columns pass through unchanged)."""
    given = set(source_columns)
    source = given | {"id"}
    written: dict[str, set[str]] = {}
    for name, step in dag.steps.items():
        if "id" in step.outputs:
            raise DagError(name, "writes the `id` column, which the runtime owns")
        taken = [column for column in step.outputs if column in given and column not in step.inputs]
        if taken:
            raise DagError(name, f"writes column {taken[0]!r}, which the input already has; input columns "
                           "pass through unchanged", hint=f"rename the input's {taken[0]!r} (in a pipeline "
                           f"YAML: `columns: {{{taken[0]}: input_{taken[0]}}}` under `source:`)")
        available = set(source)
        for parent in dag.parents[name]:
            available |= written[parent]
        for column in step.inputs:
            if column not in available:
                raise DagError(name, f"reads column {column!r}, which neither the source nor an upstream "
                               "step writes", hint=f"available: {', '.join(sorted(available))}")
        written[name] = available | set(step.outputs)


def _topological(by_name: dict[str, Step], parents: dict[str, list[str]],
                 children: dict[str, list[str]]) -> list[str]:
    waiting = {name: len(parents[name]) for name in by_name}
    ready = [name for name in by_name if waiting[name] == 0]
    order: list[str] = []
    while ready:
        name = ready.pop(0)
        order.append(name)
        for child in children[name]:
            waiting[child] -= 1
            if waiting[child] == 0:
                ready.append(child)
    if len(order) < len(by_name):
        cycle = _find_cycle({n for n in by_name if n not in order}, children)
        raise DagError(cycle[0], "is part of a cycle: " + " -> ".join([*cycle, cycle[0]]))
    return order


def _find_cycle(nodes: set[str], children: dict[str, list[str]]) -> list[str]:
    """Walk forward inside the nodes left over by the topological sort until a node repeats."""
    path: list[str] = []
    node = min(nodes)
    while node not in path:
        path.append(node)
        node = next(c for c in children[node] if c in nodes)
    return path[path.index(node):]


def _check_connected(order: list[str], parents: dict[str, list[str]],
                     children: dict[str, list[str]]) -> None:
    seen = {order[0]}
    todo = [order[0]]
    while todo:
        node = todo.pop()
        for other in (*parents[node], *children[node]):
            if other not in seen:
                seen.add(other)
                todo.append(other)
    for name in order:
        if name not in seen:
            raise DagError(name, f"is not connected to step {order[0]!r}",
                           hint="join it with `after:` (YAML) or an edge (Python)")


def _check_routers(dag: Dag) -> None:
    for name, step in dag.steps.items():
        if not isinstance(step, Router):
            continue
        if not dag.children[name]:
            raise DagError(name, "is a router with no branches", hint=f"add steps with `after: {name}`")
        unknown = [b for b in step.branches() if b not in dag.children[name]]
        if unknown:
            raise DagError(name, f"routes to {', '.join(map(repr, unknown))}, which do not run after it",
                           hint=f"its branches: {', '.join(dag.children[name])}")
