"""A step: declares the columns it reads and writes, and processes one row at a time.

The runtime owns scheduling, timing, stats, retries of model calls (through the client), error records
and checkpoints; a step writes one ``async process(row, ctx)``. A row is a plain ``dict`` whose ``id``
key (a string) is stable across runs: seeds, caching and resume hang off it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from hadron.core import Reject, Row

if TYPE_CHECKING:
    from hadron.llm.hub import ModelHub
    from hadron.runtime.shared_state import SharedState


class StepContext(Protocol):
    """What the runtime hands each ``process`` call."""

    @property
    def row_id(self) -> str: ...

    @property
    def models(self) -> ModelHub: ...

    def seed(self, *parts: Any) -> int:
        """A reproducible seed from the row id and ``parts`` (stable across processes)."""
        ...


StepOutput = Row | list[Row] | Reject | None
"""A row (updated), several rows (fan-out), a Reject, or None (= Reject("dropped"))."""


class Step:
    """Base class for pipeline steps. Subclasses set ``inputs``/``outputs`` and write ``process``."""

    kind: ClassVar[str] = ""
    """Name used in YAML pipelines (``step: <kind>``); registered in ``hadron.runtime.registry``."""
    keeps_state: ClassVar[bool] = False
    """The step keeps state across rows (a seen set, a budget, a novelty index), so what it does to a
    row depends on the rows it saw before. An executor that spreads rows over several processes must
    share that state (``share_state``, when ``shares_state``) or refuse the step, naming it."""
    shares_state: ClassVar[bool] = False
    """``share_state`` works: the step can keep its cross-row state in a ``SharedState`` handed over by
    the executor, with the same counts as a run in one process."""

    def __init__(self, name: str | None = None, *, inputs: tuple[str, ...] = (),
                 outputs: tuple[str, ...] = ()) -> None:
        self.name = name or self.kind or type(self).__name__
        self.inputs: tuple[str, ...] = tuple(inputs) or tuple(getattr(type(self), "default_inputs", ()))
        self.outputs: tuple[str, ...] = tuple(outputs) or tuple(getattr(type(self), "default_outputs", ()))

    async def setup(self, models: ModelHub) -> None:
        """Called once before the first row (load resources, warm clients)."""

    async def process(self, row: Row, ctx: StepContext) -> StepOutput:
        raise NotImplementedError

    async def restore(self, rows: Iterable[Row]) -> int:
        """Rebuild state that spans rows (a dedup's seen set, a novelty index) when a run resumes.

        A resumed session skips the source rows earlier sessions finished, so ``process`` never sees
        them again; instead the session calls this once, after ``setup`` and before the first new row,
        with the rows those sessions wrote (in write order). Only steps that override it are called,
        and only then are the rows read. They are output rows, i.e. the rows after every step, with
        fan-out children's ids (``<parent>/<k>``); rows another step rejected or that failed are not
        among them, and rows a ``Router`` sent down another branch than this step's are. Returns how
        many rows it used (for the run log).
        """
        return 0

    def share_state(self, state: SharedState) -> None:
        """Keep the cross-row state in ``state`` (one per step, the same object for every process of
        the run). Called by multi-process executors after the step is built, before ``setup``."""
        raise NotImplementedError(f"step {self.name!r} cannot share its state across processes")

    def config(self) -> dict[str, Any]:
        """The settings that define this step's output; saved with the run and part of its hash."""
        return {"kind": self.kind, "name": self.name}

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"


def restores(step: Step) -> bool:
    """True when ``step`` overrides ``Step.restore`` (so a resumed session must read the rows for it)."""
    return type(step).restore is not Step.restore
