"""Settings of the agentic task (pydantic: they come from YAML and the CLI).

Every model role takes a spec string, a ``ModelConfig`` or a weighted ``PoolConfig`` with a preferred
failover order; the user simulator and the tool simulator default to the teacher.

The agentic-distillation framework's own keys are accepted too and mean the same settings:
``teacher_pool``/``reviewer_pool`` (weighted ``members`` and ``preferred_order``) are the teacher and
reviewer pools, ``review_flow`` {enabled, min_score (0-10), max_rounds} is ``review``, ``prompts`` holds
the teacher and reviewer guidance and the global language policy, ``concurrency.max_workers`` is the
number of episodes in flight and ``scenario_mix`` lists scenario sources with weights and overrides
(``run.py``). Giving a setting both ways is an error, never a silent choice.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from hadron.llm.config import ModelSpec, PoolConfig, spec_name
from hadron.llm.defaults import defaults_for
from hadron.tasks.agentic.language import LanguagePolicy

SMALL_MODEL_CAPS: dict[str, dict[str, Any]] = {
    "loop": {"max_turns": 4, "user_max_tokens": 48, "max_result_chars": 600, "tool_list": "compact"},
    "review": {"max_rounds": 0},
    "reviewer": {"enabled": False, "max_reasks": 0, "max_tokens": 320},
    "run": {"concurrency": 1},
}
"""Caps for models whose backend declares small-model defaults (the embedded 135M model), in one place.
On 2 shared cores it writes ~25 tokens/s, so the general defaults (12 turns of 768 tokens, 2 refinement
rounds, 1,024-token reviews) made one telecom episode take over 13 minutes. A small *teacher* gets
``loop`` (its answer cap is the backend's declared ``answer_max_tokens``), no refinement round (a rerun
replays the whole episode) and one episode at a time (the model answers one call at a time anyway, and
consecutive turns of one episode reuse llama.cpp's cached prompt prefix). A small *reviewer* is not
asked: measured, its rubric JSON ran past 320 tokens on every telecom episode (``review_unparseable``)
and its two calls were a third of the run's time; acceptance then rests on the executed success checks,
the language policy and the leak guard. Settings the user gave win."""


def answer_cap(spec: ModelSpec) -> int | None:
    """The answer cap the teacher's backend declares; a pool's when every member declares one (its
    smallest), since any member may play a whole episode."""
    if isinstance(spec, PoolConfig):
        caps = [defaults_for(member.model).answer_max_tokens for member in spec.members]
        return min(cap for cap in caps if cap is not None) if all(cap is not None for cap in caps) else None
    return defaults_for(spec).answer_max_tokens


class LoopConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_turns: int = Field(default=12, ge=1, le=100)
    """Assistant turns (model calls) per episode; a scenario's ``max_turns`` wins when set."""
    temperature: float = Field(default=0.7, ge=0, le=2)
    max_tokens: int = Field(default=768, ge=16)
    protocol: Literal["auto", "native", "text"] = "auto"
    """``auto``: the OpenAI tools API when the model supports it, else ``<tool_call>`` blocks in text."""
    invalid_calls: Literal["drop", "reject"] = "drop"
    """A call to an unknown tool or with arguments that break its schema was answered with an error
    during the episode. ``drop`` leaves the call and its error out of the saved conversation (so every
    saved call validates); ``reject`` discards the episode."""
    user_temperature: float = Field(default=0.7, ge=0, le=2)
    user_max_tokens: int = Field(default=256, ge=16)
    tool_sim_temperature: float = Field(default=0.2, ge=0, le=2)
    tool_list: Literal["schema", "compact"] = "schema"
    """How the text protocol lists the tools: full JSON Schemas, or one line per tool (a shorter prompt
    for small models: telecom's ten tools take ~3,800 characters with schemas, ~1,000 compact)."""
    max_result_chars: int = Field(default=4000, ge=100)
    """A tool result longer than this is cut before the teacher reads it (the prompt stays short)."""
    tool_timeout_s: float = Field(default=10.0, gt=0, le=600)
    """Wall-clock limit of one built-in tool call (run off the event loop); past it the call answers
    with an error."""


class ReviewConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    max_rounds: int = Field(default=2, ge=0, le=10)
    """Refinement rounds after the first attempt."""
    threshold: float = Field(default=0.7, ge=0, le=1)
    """Weighted rubric score (0-1) an episode needs to be accepted."""
    require_success: bool = True
    """Accept only episodes whose final environment state passes the scenario's success checks."""
    refine: Literal["rerun", "revise_answer"] = "rerun"
    """``rerun``: replay the episode with the reviewer's feedback in a hidden hint; ``revise_answer``:
    keep the tool calls and rewrite only the final answer."""
    temperature: float = Field(default=0.2, ge=0, le=2)
    max_tokens: int = Field(default=1024, ge=16)
    max_reasks: int = Field(default=2, ge=0, le=10)


class PoolSettings(BaseModel):
    """The framework's pool: ``members`` (spec strings or ``{model, weight}``) and ``preferred_order``."""

    model_config = ConfigDict(extra="forbid")

    members: list[Any] = Field(min_length=1)
    preferred_order: list[str] = Field(default_factory=list)
    cooldown_s: float = Field(default=30.0, ge=0)

    def spec(self, name: str) -> ModelSpec:
        return PoolConfig(
            name=name, members=self.members, preferred=self.preferred_order, cooldown_s=self.cooldown_s
        )


class ReviewFlow(BaseModel):
    """The framework's ``review_flow``: ``min_score`` is on the reviewer's 0-10 scale."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    min_score: float = Field(default=7.0, ge=0, le=10)
    max_rounds: int = Field(default=2, ge=0, le=10)


class Prompts(BaseModel):
    """Text added to what the teacher and the reviewer are told (never saved in the conversation), and
    the language policy every scenario follows unless it sets its own ``language``."""

    model_config = ConfigDict(extra="forbid")

    teacher_guidance: str = ""
    reviewer_guidance: str = ""
    language_policy: LanguagePolicy | None = None


class AgenticConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    teacher: ModelSpec = "local"
    reviewer: ModelSpec = "local"
    user: ModelSpec | None = None
    """The user simulator; None uses the teacher."""
    simulator: ModelSpec | None = None
    """The model that imagines results of custom tools; None uses the teacher."""
    loop: LoopConfig = Field(default_factory=LoopConfig)
    review: ReviewConfig = Field(default_factory=ReviewConfig)
    prompts: Prompts = Field(default_factory=Prompts)
    teacher_pool: PoolSettings | None = Field(default=None, exclude=True)
    reviewer_pool: PoolSettings | None = Field(default=None, exclude=True)
    review_flow: ReviewFlow | None = Field(default=None, exclude=True)

    @model_validator(mode="after")
    def _framework_keys(self) -> AgenticConfig:
        """Fold the framework's keys into Hadron's (once: they are excluded from dumps)."""
        for pool, role in ((self.teacher_pool, "teacher"), (self.reviewer_pool, "reviewer")):
            if pool is None:
                continue
            if role in self.model_fields_set:
                raise ValueError(f"give {role} or {role}_pool, not both")
            setattr(self, role, pool.spec(f"{role}_pool"))
        if self.review_flow is not None:
            flow = self.review_flow
            given = {
                "enabled": flow.enabled,
                "threshold": flow.min_score / 10,
                "max_rounds": flow.max_rounds,
            }
            names = {"enabled": "enabled", "threshold": "min_score", "max_rounds": "max_rounds"}
            update = {key: value for key, value in given.items() if names[key] in flow.model_fields_set}
            twice = sorted(set(update) & self.review.model_fields_set)
            if twice:
                raise ValueError(f"review.{twice[0]} and review_flow give the same setting; keep one")
            self.review = self.review.model_copy(update=update)
        self.teacher_pool = self.reviewer_pool = self.review_flow = None
        self._small_model_caps()
        return self

    def _small_model_caps(self) -> None:
        """Apply ``SMALL_MODEL_CAPS`` (and the backend's answer cap) to every setting left unset."""
        sections: list[tuple[str, dict[str, Any]]] = []
        cap = answer_cap(self.teacher)
        if cap is not None:
            sections += [
                ("loop", {**SMALL_MODEL_CAPS["loop"], "max_tokens": cap}),
                ("review", SMALL_MODEL_CAPS["review"]),
            ]
        if answer_cap(self.reviewer) is not None:
            sections.append(("review", SMALL_MODEL_CAPS["reviewer"]))
        for section, values in sections:
            block = getattr(self, section)
            unset = {key: value for key, value in values.items() if key not in block.model_fields_set}
            if unset:
                setattr(self, section, block.model_copy(update=unset))

    def user_model(self) -> ModelSpec:
        return self.user if self.user is not None else self.teacher

    def simulator_model(self) -> ModelSpec:
        return self.simulator if self.simulator is not None else self.teacher

    def model_names(self) -> dict[str, Any]:
        return {
            "teacher": spec_name(self.teacher),
            "reviewer": spec_name(self.reviewer),
            "user": spec_name(self.user_model()),
            "simulator": spec_name(self.simulator_model()),
        }


__all__ = [
    "AgenticConfig",
    "LoopConfig",
    "ModelSpec",
    "PoolSettings",
    "Prompts",
    "ReviewConfig",
    "ReviewFlow",
    "spec_name",
]
