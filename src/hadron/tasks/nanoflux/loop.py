"""The NanoFlux rounds, usable without the pipeline runtime.

Round ``i`` of a domain: the attacker writes a question for skill ``i mod len(skills)``, the defender
answers it, the judge checks both (with tools) and gives a verdict, then the curator applies the
failure requirement, the complexity band, novelty and the budget. The two models swap the attacker
and defender roles every other round (``alternate``). Several rounds of a domain are in flight at
once (``concurrency``) but are curated strictly in round order, so which questions are kept does not
depend on timing; the domain stops when its budget is full or ``max_rounds`` have been played.

    async with ModelHub() as hub:
        engine = NanoFlux.from_hub(hub, NanoFluxConfig(domains=["math"], per_domain=20))
        result = await engine.run()          # result.rows, result.rejects, result.errors
"""

from __future__ import annotations

import asyncio
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from hadron.llm.errors import LLMError
from hadron.runtime.records import ErrorRecord, RejectRecord
from hadron.tasks.nanoflux.config import NanoFluxConfig
from hadron.tasks.nanoflux.curation import Curator, Decision
from hadron.tasks.nanoflux.embeddings import Embedder, embedder_for
from hadron.tasks.nanoflux.judge import Judge
from hadron.tasks.nanoflux.output import STEP, kept_row, reject_record
from hadron.tasks.nanoflux.records import Candidate, RoundPlan
from hadron.tasks.nanoflux.roles import Role, attack, defend
from hadron.tasks.nanoflux.tools import PythonTool, Tool, build_tools
from hadron.tasks.nanoflux.verify import Verifier

if TYPE_CHECKING:
    from hadron.llm import ChatModel, ModelHub


class Recorder(Protocol):
    """Where round outcomes go as they are decided (in round order within a domain)."""

    def kept(self, row: dict[str, Any]) -> None: ...

    def rejected(self, record: RejectRecord) -> None: ...

    def failed(self, record: ErrorRecord) -> None: ...


@dataclass
class Collected:
    """An in-memory ``Recorder``; what ``NanoFlux.run`` returns."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    rejects: list[RejectRecord] = field(default_factory=list)
    errors: list[ErrorRecord] = field(default_factory=list)

    def kept(self, row: dict[str, Any]) -> None:
        self.rows.append(row)

    def rejected(self, record: RejectRecord) -> None:
        self.rejects.append(record)

    def failed(self, record: ErrorRecord) -> None:
        self.errors.append(record)

    def reasons(self) -> Counter[str]:
        return Counter(record.reason for record in self.rejects)


@dataclass
class NanoFlux:
    """The roles bound to their models, the judge's tools and the curator; build once per run."""

    config: NanoFluxConfig
    first: ChatModel
    """Plays the attacker in even rounds (and the defender in odd ones when alternating)."""
    second: ChatModel
    judge_model: ChatModel
    attacker: Role
    defender: Role
    judge: Judge
    curator: Curator
    verifier: Verifier = field(default_factory=Verifier)

    @classmethod
    def from_hub(cls, hub: ModelHub, config: NanoFluxConfig, *, embedder: Embedder | None = None,
                 tools: dict[str, Tool] | None = None, curator: Curator | None = None) -> NanoFlux:
        """Resolve models, templates, tools and the embedder (the embedder loads lazily).

        ``curator``: share one across engines (the pipeline step keeps its own across rounds)."""
        tools = tools if tools is not None else build_tools(config.judge.tools, config)
        python = tools.get("python")
        unsafe = python.unsafe if isinstance(python, PythonTool) else config.sandbox.unsafe
        return cls(config=config, first=hub.get(config.attacker.model), second=hub.get(config.defender.model),
                   judge_model=hub.get(config.judge.model),
                   attacker=Role.build("attacker", config.attacker, template="attacker.j2"),
                   defender=Role.build("defender", config.defender, template="defender.j2"),
                   judge=Judge.build(config.judge, tools),
                   curator=curator or Curator(config, embedder or embedder_for(config)),
                   verifier=Verifier(config.sandbox.limits(), unsafe=unsafe))

    # -- one round -----------------------------------------------------------------------------------

    def roles(self, index: int) -> tuple[ChatModel, ChatModel]:
        """(attacker model, defender model) of round ``index``."""
        if self.config.alternate and index % 2 == 1:
            return self.second, self.first
        return self.first, self.second

    def plan(self, domain: str, index: int) -> RoundPlan:
        skills = self.config.skills(domain)
        attacker, defender = self.roles(index)
        return RoundPlan(domain=domain, skill=skills[index % len(skills)], index=index,
                         attacker_model=attacker.name, defender_model=defender.name)

    async def play(self, plan: RoundPlan, *, wanted: Callable[[], bool] | None = None) -> Candidate | None:
        """Attack, defend, judge. Raises ``LLMError`` when a call fails after the model layer's retries.

        ``wanted`` is asked between the phases; when it says no (the budget filled meanwhile) the round
        stops there and None is returned, so no more calls are paid for it."""
        attacker, defender = self.roles(plan.index)
        candidate = Candidate(plan=plan, attack=None)
        await attack(self.attacker, attacker, plan, candidate, self.config)
        if candidate.attack is None:
            return candidate
        if wanted is not None and not wanted():
            return None
        await defend(self.defender, defender, plan, candidate)
        if wanted is not None and not wanted():
            return None
        candidate.judged = await self.judge(self.judge_model, plan, candidate)
        candidate.verification = await self.verifier(candidate.attack.answer, candidate.judged.evidence)
        return candidate

    async def decide(self, candidate: Candidate) -> Decision:
        return await self.curator.decide(candidate)

    # -- whole domains ---------------------------------------------------------------------------------

    async def run(self, recorder: Recorder | None = None, *, domains: list[str] | None = None) -> Collected:
        """Play every domain (concurrently) until its budget or round limit; outcomes go to
        ``recorder`` as they are decided and are also collected in the result."""
        collected = Collected()
        sink = _Both(collected, recorder) if recorder is not None else collected
        await asyncio.gather(*(self.run_domain(domain, sink) for domain in domains or self.config.domains))
        return collected

    async def run_domain(self, domain: str, recorder: Recorder) -> None:
        limit = self.config.rounds_limit()
        pending: deque[tuple[RoundPlan, asyncio.Task[Candidate | None]]] = deque()
        started = 0
        try:
            while True:
                while (len(pending) < self.config.concurrency and started < limit
                       and not self.curator.full(domain)):
                    plan = self.plan(domain, started)
                    pending.append((plan, asyncio.create_task(self.play(plan))))
                    started += 1
                if not pending:
                    return
                plan, task = pending.popleft()
                try:
                    candidate = await task
                except LLMError as err:
                    recorder.failed(ErrorRecord.of(err, row_id=plan.id, source_id=plan.id, step=STEP))
                    continue
                assert candidate is not None  # played without ``wanted``
                decision = await self.decide(candidate)
                if decision.kept:
                    recorder.kept(kept_row(candidate, decision, self.config))
                else:
                    recorder.rejected(reject_record(candidate, decision))
                if self.curator.full(domain):
                    return  # rounds still in flight are past the budget: cancelled, not recorded
        finally:
            for _, task in pending:
                task.cancel()
            await asyncio.gather(*(task for _, task in pending), return_exceptions=True)

    async def aclose(self) -> None:
        await self.curator.embedder.aclose()


@dataclass
class _Both:
    first: Recorder
    second: Recorder

    def kept(self, row: dict[str, Any]) -> None:
        self.first.kept(row)
        self.second.kept(row)

    def rejected(self, record: RejectRecord) -> None:
        self.first.rejected(record)
        self.second.rejected(record)

    def failed(self, record: ErrorRecord) -> None:
        self.first.failed(record)
        self.second.failed(record)


__all__ = ["Collected", "NanoFlux", "Recorder"]
