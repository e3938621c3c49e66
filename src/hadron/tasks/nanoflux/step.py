"""``step: nanoflux``: one round per row, as a pipeline step.

A source row names a domain and a round (``{"id", "domain", "round"}``; ``RoundSource`` yields them
for every configured domain until its budget is full). The step plays the round and returns the kept
question's columns, or ``Reject(reason, detail)``, which the runtime writes to ``rejects.jsonl``;
a model call that fails after retries raises, and the runtime records it in ``errors.jsonl``.

What spans rounds lives in the step: the curator (novelty index, kept counts) and the round order.
Rounds of a domain run concurrently but are curated in round order among those in flight. When a run
resumes (``hadron run`` or ``hadron nanoflux``), the session hands ``restore`` the rows earlier
sessions kept, so their questions count towards the budget and the novelty check.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from hadron.core import Reject, Row
from hadron.errors import ConfigError
from hadron.runtime.step import Step, StepContext, StepOutput
from hadron.tasks.nanoflux.config import NanoFluxConfig
from hadron.tasks.nanoflux.curation import Curator
from hadron.tasks.nanoflux.embeddings import Embedder, embedder_for
from hadron.tasks.nanoflux.loop import NanoFlux
from hadron.tasks.nanoflux.output import OUTPUT_COLUMNS, kept_row, reject_detail

if TYPE_CHECKING:
    from hadron.llm import ModelHub


class RoundOrder:
    """Lets a round be curated only after every smaller round of its domain now in flight."""

    def __init__(self) -> None:
        self._open: defaultdict[str, set[int]] = defaultdict(set)
        self._changed: dict[str, asyncio.Event] = {}

    def enter(self, domain: str, index: int) -> None:
        self._open[domain].add(index)

    def leave(self, domain: str, index: int) -> None:
        self._open[domain].discard(index)
        event = self._changed.pop(domain, None)
        if event is not None:
            event.set()

    async def wait_turn(self, domain: str, index: int) -> None:
        while any(other < index for other in self._open[domain]):
            await self._changed.setdefault(domain, asyncio.Event()).wait()


class NanoFluxStep(Step):
    kind: ClassVar[str] = "nanoflux"
    keeps_state: ClassVar[bool] = True
    """The pool budget, the novelty index and the round order span rows: not shared across processes,
    so multi-process executors refuse the step."""
    default_inputs: ClassVar[tuple[str, ...]] = ("domain", "round")
    default_outputs: ClassVar[tuple[str, ...]] = OUTPUT_COLUMNS

    class Options(NanoFluxConfig):
        pass

    def __init__(self, name: str | None = None, *, embed_with: Embedder | None = None,
                 **options: Any) -> None:
        """``embed_with``: an embedder object to use instead of the one the ``embedder`` spec names."""
        self.options = self.Options(**options)
        super().__init__(name, inputs=self.default_inputs, outputs=OUTPUT_COLUMNS)
        self.curator = Curator(self.options, embed_with or embedder_for(self.options))
        self.order = RoundOrder()
        self.restored = 0
        """Questions the last ``restore`` brought back from earlier sessions."""
        self._engine: NanoFlux | None = None

    @classmethod
    def from_options(cls, name: str, options: Options) -> NanoFluxStep:
        return cls(name, **options.model_dump())

    async def setup(self, models: ModelHub) -> None:
        self._engine = NanoFlux.from_hub(models, self.options, curator=self.curator)

    async def restore(self, rows: Iterable[Mapping[str, Any]]) -> int:
        """Index and count questions kept by earlier sessions; returns how many (also in ``restored``)."""
        self.restored = await self.curator.restore(rows)
        return self.restored

    def full(self, domain: str) -> bool:
        return self.curator.full(domain)

    async def process(self, row: Row, ctx: StepContext) -> StepOutput:
        domain, index = self._round_of(row)
        engine = self._engine or NanoFlux.from_hub(ctx.models, self.options, curator=self.curator)
        self._engine = engine
        if self.curator.full(domain):
            return self._budget_reached(domain, index)
        plan = engine.plan(domain, index)
        self.order.enter(domain, index)
        try:
            candidate = await engine.play(plan, wanted=lambda: not self.curator.full(domain))
            if candidate is None:
                return self._budget_reached(domain, index)
            await self.order.wait_turn(domain, index)
            decision = await engine.decide(candidate)
        finally:
            self.order.leave(domain, index)
        if decision.reason is not None:
            return Reject(decision.reason, reject_detail(candidate, decision))
        columns = kept_row(candidate, decision, self.options)
        columns.pop("id")
        return {**row, **columns}

    def _budget_reached(self, domain: str, index: int) -> Reject:
        """The round is not played (or not finished): the domain's pool is already full."""
        return Reject("budget_reached", {"domain": domain, "round": index,
                                         "pool": self.options.pool_size()})

    def _round_of(self, row: Row) -> tuple[str, int]:
        domain, index = row.get("domain"), row.get("round")
        if not isinstance(domain, str) or domain not in self.options.domains:
            raise ConfigError(f"row domain {domain!r} is not one of this step's domains",
                              hint=f"configured: {', '.join(self.options.domains)}")
        if isinstance(index, bool) or not isinstance(index, int) or index < 0:
            raise ConfigError(f"row round {index!r} is not a round number (an integer >= 0)")
        return domain, index

    async def aclose(self) -> None:
        await self.curator.embedder.aclose()

    def config(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, **self.options.model_dump(mode="json")}


class RoundSource:
    """The rounds to play, domain by domain in turn, each domain until its budget is full."""

    def __init__(self, step: NanoFluxStep) -> None:
        self.step = step

    def rows(self, on_error: Any = None) -> Iterator[Row]:
        config = self.step.options
        for index in range(config.rounds_limit()):
            active = [domain for domain in config.domains if not self.step.full(domain)]
            if not active:
                return
            for domain in active:
                yield {"id": f"{domain}/r{index:05d}", "domain": domain, "round": index}

    def describe(self) -> dict[str, Any]:
        config = self.step.options
        described: dict[str, Any] = {"format": "nanoflux-rounds", "domains": list(config.domains),
                                     "max_rounds_per_domain": config.rounds_limit(), "rows": None}
        if config.sandbox.unsafe and "python" in config.judge.tools:
            from hadron.sandbox import check

            report = check()
            described["sandbox"] = report.to_dict() | {
                "unsafe": not report.available,
                "warning": "UNSAFE: the judge's model-written code ran with no OS sandbox "
                           "(--unsafe-sandbox)" if not report.available else "unsafe allowed, not needed"}
        return described


__all__ = ["NanoFluxStep", "RoundOrder", "RoundSource"]
