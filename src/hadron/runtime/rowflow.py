"""How one source row moves through the graph.

Each step of a row runs as soon as its upstream steps have finished for that row: no other row is waited
for. Parallel branches run concurrently; a fan-in step gets its upstream rows merged (later upstream wins
on a shared column). A ``Router`` sends the row down one branch; the branches not taken are skipped, and
so is anything downstream of them alone. A step that returns a list fans out: each child (id
``<parent>/<k>``) runs the steps downstream of it on its own, sharing the parent's results for
everything else. A ``Reject`` or an exception ends the row (or that child) as a record.

Fan-in merges by change: each row version carries the columns changed since the row entered the graph;
a column changed on one branch beats an untouched copy on another, and when several branches changed
it, the later upstream (in ``after`` order) wins.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from time import perf_counter
from typing import TYPE_CHECKING, Any

from hadron.core import Reject, Row, stable_hash
from hadron.errors import FatalError
from hadron.runtime.dag import Dag
from hadron.runtime.records import ErrorRecord, Outcome, RejectRecord
from hadron.runtime.stats import RunStats
from hadron.runtime.step import StepOutput
from hadron.runtime.steps.route import Router

if TYPE_CHECKING:
    from hadron.llm.hub import ModelHub


class _Marker:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


SKIP = _Marker("SKIP")
"""The step did not run for this row: a router chose another branch."""
FANNED = _Marker("FANNED")
"""The step runs in the row's fan-out children, not in the row itself."""


@dataclass(slots=True)
class Routed:
    row: Row
    branch: str


Value = Row | Routed | _Marker
Changed = frozenset[str]
Result = tuple[Value, Changed]
_NONE: Changed = frozenset()


class _Abort(Exception):
    """Ends a row (or a fan-out child): carries the record and the run it belongs to."""

    def __init__(self, origin: _Run, record: ErrorRecord | RejectRecord) -> None:
        super().__init__(record.id)
        self.origin = origin
        self.record = record


@dataclass(slots=True)
class RowContext:
    """The ``StepContext`` each ``process`` call gets."""

    row_id: str
    models: ModelHub
    step: str = ""

    def seed(self, *parts: Any) -> int:
        return stable_hash(self.row_id, *parts)


class RowFlow:
    """Runs source rows through a validated graph; one instance per pipeline run."""

    def __init__(self, dag: Dag, models: ModelHub, stats: RunStats) -> None:
        self.dag = dag
        self.models = models
        self.stats = stats
        self.leaves = dag.leaves
        self.track = len(self.leaves) > 1 or any(len(p) > 1 for p in dag.parents.values())
        """Track changed columns only when some step merges several upstream rows."""
        self.chain = all(len(c) <= 1 for c in dag.children.values()) and not self.track
        """A plain chain: each step is awaited once, by the next, so it runs inline (no task)."""
        self.roots = [name for name, parents in dag.parents.items() if not parents]

    async def execute(self, row: Row) -> Outcome:
        return await _Run(self, row, parent=None, fan_node=None).finish()


class _Run:
    """One row (or one fan-out child) on its way through the graph."""

    def __init__(self, flow: RowFlow, row: Row, parent: _Run | None, fan_node: str | None,
                 changed: Changed = _NONE) -> None:
        self.flow = flow
        self.row = row
        self.id: str = row["id"]
        self.parent = parent
        self.source_id: str = parent.source_id if parent else self.id
        self.own = None if fan_node is None else flow.dag.descendants[fan_node]
        self.seeded: dict[str, Result] = {} if fan_node is None else {fan_node: (row, changed)}
        self.tasks: dict[str, asyncio.Task[Result]] = {}
        self.children: list[asyncio.Task[Outcome]] = []
        self.fanned_at: str | None = None

    async def finish(self) -> Outcome:
        """Wait for every leaf step (and fan-out children); return what this row produced."""
        outcome = Outcome(self.source_id)
        try:
            results = await _gather([self.value(leaf) for leaf in self.flow.leaves])
            if not any(v is FANNED for v, _ in results):
                live = [(v, c) for v, c in results if isinstance(v, dict)]
                if not live:
                    raise _Abort(self, self._reject("", Reject("no_branch")))
                outcome.rows.append(_merge(live)[0])
            for child in await _gather(list(self.children)):
                outcome.extend(child)
        except _Abort as abort:
            self._cancel()
            if abort.origin is not self:
                raise
            if isinstance(abort.record, ErrorRecord):
                return Outcome(self.source_id, errors=[abort.record])
            return Outcome(self.source_id, rejects=[abort.record])
        except BaseException:
            self._cancel()
            raise
        return outcome

    async def value(self, name: str) -> Result:
        if name in self.seeded:
            return self.seeded[name]
        if self.own is None or name in self.own:
            if self.flow.chain:
                return await self._compute(name)
            task = self.tasks.get(name)
            if task is None:
                task = self.tasks[name] = asyncio.create_task(self._compute(name))
            return await task
        assert self.parent is not None
        # Shared with the parent and its other children: one child giving up must not cancel it.
        return await asyncio.shield(self.parent.value(name))

    async def _edge(self, upstream: str, name: str) -> Result:
        value, changed = await self.value(upstream)
        if isinstance(value, Routed):
            return (value.row, changed) if value.branch == name else (SKIP, changed)
        if isinstance(value, dict) and len(self.flow.dag.children[upstream]) > 1:
            return dict(value), changed  # parallel branches must not see each other's writes
        return value, changed

    async def _compute(self, name: str) -> Result:
        dag = self.flow.dag
        parents = dag.parents[name]
        if parents:
            results = await _gather([self._edge(parent, name) for parent in parents])
        else:
            results = [(dict(self.row) if len(self.flow.roots) > 1 else self.row, _NONE)]
        if any(v is FANNED for v, _ in results):
            return FANNED, _NONE
        live = [(v, c) for v, c in results if isinstance(v, dict)]
        if not live:
            return SKIP, _NONE
        row, changed = _merge(live)
        before = dict(row) if self.flow.track else row
        step = dag.steps[name]
        ctx = RowContext(self.id, self.flow.models, name)
        start = perf_counter()
        try:
            if isinstance(step, Router):
                branch = await step.route(row, ctx)
                if branch not in dag.children[name]:
                    raise ValueError(f"router chose {branch!r}, which is not one of its branches "
                                     f"({', '.join(dag.children[name])})")
                return Routed(row, branch), changed
            output = await step.process(row, ctx)
        except (_Abort, asyncio.CancelledError, FatalError):  # FatalError: no later row can succeed
            raise
        except Exception as exc:
            raise _Abort(self, ErrorRecord.of(exc, row_id=self.id, source_id=self.source_id, step=name)
                         ) from exc
        finally:
            self.flow.stats.add_step(name, perf_counter() - start)
        return self._accept(name, output, before, changed)

    def _accept(self, name: str, output: StepOutput, before: Row, changed: Changed) -> Result:
        if output is None:
            output = Reject("dropped")
        if isinstance(output, Reject):
            raise _Abort(self, self._reject(name, output))
        if isinstance(output, list):
            return self._fan_out(name, output, before, changed), _NONE
        if not isinstance(output, dict):
            raise self._error(name, TypeError(f"process returned {type(output).__name__}, not a row"))
        if output.get("id") != self.id:
            output = {**output, "id": self.id}
        return output, _changes(before, output, changed) if self.flow.track else _NONE

    def _fan_out(self, name: str, rows: list[Row], before: Row, changed: Changed) -> Value:
        if not rows:
            raise _Abort(self, self._reject(name, Reject("empty_fanout")))
        if not all(isinstance(r, dict) for r in rows):
            raise self._error(name, TypeError("a fan-out step must return a list of rows (dicts)"))
        if self.fanned_at is not None:
            raise self._error(name, ValueError(
                f"the row already fanned out at step {self.fanned_at!r}; fan out in one branch only"))
        self.fanned_at = name
        for k, child in enumerate(rows):
            child = {**child, "id": f"{self.id}/{k}"}
            delta = _changes(before, child, changed) if self.flow.track else _NONE
            run = _Run(self.flow, child, parent=self, fan_node=name, changed=delta)
            self.children.append(asyncio.create_task(run.finish()))
        return FANNED

    def _reject(self, step: str, reject: Reject) -> RejectRecord:
        return RejectRecord(id=self.id, source_id=self.source_id, step=step, reason=reject.reason,
                            detail=dict(reject.detail))

    def _error(self, step: str, exc: Exception) -> _Abort:
        return _Abort(self, ErrorRecord.of(exc, row_id=self.id, source_id=self.source_id, step=step))

    def _cancel(self) -> None:
        for task in [*self.tasks.values(), *self.children]:
            if not task.done():
                task.cancel()
            elif not task.cancelled():
                task.exception()  # mark retrieved: this run already reported what went wrong


async def _gather(awaitables: list[Any]) -> list[Any]:
    if len(awaitables) == 1:
        return [await awaitables[0]]
    if not awaitables:
        return []
    return list(await asyncio.gather(*awaitables))


def _merge(versions: list[tuple[Row, Changed]]) -> tuple[Row, Changed]:
    """Merge versions of one row: changed columns win over untouched ones; the later change wins."""
    if len(versions) == 1:
        return versions[0]
    merged: Row = {}
    for row, _ in versions:
        for key, value in row.items():
            merged.setdefault(key, value)
    for row, changed in versions:
        for key in changed:
            if key in row:
                merged[key] = row[key]
    return merged, frozenset().union(*(changed for _, changed in versions))


def _changes(before: Row, after: Row, changed: Changed) -> Changed:
    new = [key for key, value in after.items() if key not in before or before[key] is not value]
    return changed.union(new) if new else changed
