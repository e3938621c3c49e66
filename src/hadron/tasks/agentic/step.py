"""``step: agentic``: one row names a scenario and a variant; out comes a reviewed training conversation.

Input rows are ``{id, scenario, variant}`` (``plan_rows`` makes them from the scenarios and an episode
count). An accepted episode becomes the row's ``messages`` and ``tools`` columns, which the exports
write as SFT unchanged, plus its bookkeeping: success checks, tool log (with ``simulated`` marks), review
scores, refinement attempts and the model that served every turn (``served_by``). A rejected episode
is a ``Reject`` with its reason and the whole last attempt, so it lands in ``RUN/rejects.jsonl``.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any, ClassVar

from hadron.core import Reject, Row
from hadron.errors import ConfigError
from hadron.runtime.step import Step, StepContext, StepOutput
from hadron.tasks.agentic.config import AgenticConfig
from hadron.tasks.agentic.loop import AgentLoop
from hadron.tasks.agentic.mix import Scenarios, resolve
from hadron.tasks.agentic.refine import Refiner, Result
from hadron.tasks.agentic.review import Reviewer
from hadron.tasks.agentic.scenario import Scenario
from hadron.tasks.agentic.user_sim import UserSimulator

if TYPE_CHECKING:
    from hadron.llm import ModelHub

OUTPUT_COLUMNS: tuple[str, ...] = (
    "messages",
    "tools",
    "rationales",
    "family",
    "params",
    "difficulty",
    "success",
    "checks",
    "final_state",
    "tool_log",
    "review",
    "attempts",
    "served_by",
    "models",
    "stop_reason",
    "turns",
    "dropped_calls",
)


class Agentic(Step):
    kind: ClassVar[str] = "agentic"

    class Options(AgenticConfig):
        scenarios: Scenarios = "all"
        """A scenario file, a folder of them, a family name, ``all`` or a mix (``mix.py``)."""

    def __init__(self, name: str | None = None, **options: Any) -> None:
        self.options = self.Options(**options)
        super().__init__(name, inputs=("scenario", "variant"), outputs=OUTPUT_COLUMNS)
        self._scenarios: dict[str, Scenario] | None = None
        self._refiner: Refiner | None = None

    @classmethod
    def from_options(cls, name: str, options: Options) -> Agentic:
        return cls(name, **options.model_dump())

    async def setup(self, models: ModelHub) -> None:
        self._scenarios = self._load()
        self._refiner = build_refiner(models, self.options)

    async def process(self, row: Row, ctx: StepContext) -> StepOutput:
        if self._scenarios is None:
            self._scenarios = self._load()
        refiner = self._refiner or build_refiner(ctx.models, self.options)
        scenario = self._scenarios.get(str(row.get("scenario")))
        if scenario is None:
            raise ConfigError(
                f"row {ctx.row_id!r}: unknown scenario {row.get('scenario')!r}",
                hint=f"scenarios loaded from {self.options.scenarios!r}",
            )
        variant, params = scenario.variant(int(row.get("variant") or 0))
        result = await refiner.produce(variant, route_key=ctx.row_id)
        columns = self._columns(variant, params, result)
        if not result.accepted:
            return Reject(
                result.reason,
                detail={
                    **columns,
                    "scenario": scenario.id,
                    "variant": row.get("variant"),
                    "messages": result.episode.messages,
                },
            )
        return {**row, **columns}

    def _load(self) -> dict[str, Scenario]:
        return {s.id: s for s in resolve(self.options.scenarios, self.options.prompts.language_policy)}

    def _columns(self, scenario: Scenario, params: dict[str, Any], result: Result) -> dict[str, Any]:
        episode = result.episode
        trace = result.trace
        served = Counter(episode.served_by)
        return {
            "messages": trace.messages if trace else None,
            "tools": trace.tools if trace else [spec.openai() for spec in scenario.tool_specs()],
            "rationales": trace.rationales if trace else [],
            "family": scenario.family,
            "params": params,
            "difficulty": scenario.difficulty,
            "success": episode.success,
            "checks": [
                {"description": c.description, "ok": c.ok, "detail": c.detail} for c in episode.checks
            ],
            "final_state": episode.final_state,
            "tool_log": [event.to_dict() for event in episode.events],
            "review": result.verdict.to_dict() if result.verdict else None,
            "attempts": [attempt.to_dict() for attempt in result.attempts],
            "served_by": served.most_common(1)[0][0] if served else None,
            "models": {**self.options.model_names(), "turns": dict(served)},
            "stop_reason": episode.stop_reason,
            "turns": episode.assistant_turns,
            "dropped_calls": trace.dropped_calls if trace else None,
        }

    def config(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, **self.options.model_dump(mode="json")}


def build_refiner(models: ModelHub, config: AgenticConfig) -> Refiner:
    """The loop, user simulator and reviewer for ``config``, with models from ``models``."""
    teacher = models.get(config.teacher)
    user = UserSimulator(
        models.get(config.user_model()),
        temperature=config.loop.user_temperature,
        max_tokens=config.loop.user_max_tokens,
    )
    loop = AgentLoop(
        teacher,
        config.loop,
        user=user,
        simulator=models.get(config.simulator_model()),
        guidance=config.prompts.teacher_guidance,
    )
    reviewer = (
        Reviewer(models.get(config.reviewer), config.review, guidance=config.prompts.reviewer_guidance)
        if config.review.enabled
        else None
    )
    return Refiner(loop, reviewer, config)


def plan_rows(scenarios: list[Scenario], episodes: int | None = None) -> list[Row]:
    """Input rows ``{id, scenario, variant}``: each scenario's ``target_count``, or ``episodes`` in all,
    shared by mix weight (largest remainder; ties go round-robin across families, so a small run still
    covers every family)."""
    order = _round_robin(scenarios)
    if episodes is None:
        counts = {s.id: s.target_count for s in scenarios}
    else:
        total = sum(s.weight for s in scenarios)
        quotas = {s.id: episodes * s.weight / total for s in scenarios}
        counts = {sid: int(q) for sid, q in quotas.items()}
        left = episodes - sum(counts.values())
        rank = sorted(order, key=lambda s: -(quotas[s.id] - counts[s.id]))
        for scenario in rank[:left]:
            counts[scenario.id] += 1
    return [{"id": f"{s.id}#{k}", "scenario": s.id, "variant": k} for s in order for k in range(counts[s.id])]


def _round_robin(scenarios: list[Scenario]) -> list[Scenario]:
    by_family: dict[str, list[Scenario]] = {}
    for scenario in scenarios:
        by_family.setdefault(scenario.family, []).append(scenario)
    ranked = [
        (index, family_index, s)
        for family_index, group in enumerate(by_family.values())
        for index, s in enumerate(group)
    ]
    return [s for _, _, s in sorted(ranked, key=lambda item: (item[0], item[1]))]


__all__ = ["OUTPUT_COLUMNS", "Agentic", "build_refiner", "plan_rows"]
