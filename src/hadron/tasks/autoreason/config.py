"""Settings for the tournament and its roles (pydantic: they come from YAML and the CLI).

Defaults are the paper's: authors at temperature 0.8, judges at 0.3, 3 judges, k = 2, a cap of 15
passes, merge synthesis, no critic short-circuit, no margin, except where the backend serving a role
declares otherwise (``BackendDefaults``: the embedded model gets short answers and 3 passes) and the
config leaves the setting unset. Every role may name its own model (or pool); a role without one uses
the config's ``model``. Judges may be a mixed panel: ``judge.models`` is cycled by judge index.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from hadron.llm import ModelConfig, PoolConfig
from hadron.llm.defaults import defaults_for
from hadron.llm.panel import Design
from hadron.tasks.autoreason.records import Candidate, SynthesisMode

ModelSpec = str | ModelConfig | PoolConfig


def spec_name(spec: ModelSpec) -> str:
    """How a model spec is named in row settings (never includes secrets: configs hold env names)."""
    return spec if isinstance(spec, str) else spec.name


class RoleConfig(BaseModel):
    """One role's model and sampling. ``template`` is a path to a Jinja file replacing the packaged one."""

    model_config = ConfigDict(extra="forbid")

    model: ModelSpec | None = None
    system: str | None = None
    """System prompt; None uses the role's packaged default."""
    template: str | None = None
    temperature: float = Field(default=0.8, ge=0, le=2)
    max_tokens: int = Field(default=1024, ge=1)


class JudgeConfig(RoleConfig):
    temperature: float = Field(default=0.3, ge=0, le=2)
    max_tokens: int = Field(default=512, ge=1)
    models: list[ModelSpec] = Field(default_factory=list)
    """A mixed panel: judge i uses ``models[i % len(models)]``; empty uses ``model``."""
    ballot: Literal["auto", "json", "text"] = "auto"
    """``auto``: a schema-constrained JSON ballot when the backend supports it, else a RANKING line."""
    max_reasks: int = Field(default=2, ge=0, le=10)
    """How often an unreadable ballot is asked again before it counts as invalid."""
    partial_ballots: bool = False
    """Accept a ranking that names all candidates but one (the missing one is ranked last)."""
    design: Design = "balanced"
    """How display orders are given to the judges: ``balanced`` counterbalances them across the panel
    (``hadron.llm.panel``); ``random`` is an independent shuffle per judge, the earlier design, kept
    only to measure what counterbalancing changes."""
    consistency: Literal["off", "swap"] = "off"
    """``swap``: ask each judge a second time with the order reversed; its ballot counts only if the
    two rankings agree, otherwise it is void (and counted). Doubles the judge calls."""

    @field_validator("consistency", mode="before")
    @classmethod
    def _yaml_off(cls, value: object) -> object:
        """YAML reads a bare ``off`` as false: take it as the word it was."""
        return "off" if value is False else value


class AutoReasonConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model: ModelSpec = "local"
    """Default model for every role that does not name its own."""
    teacher: RoleConfig = Field(default_factory=RoleConfig)
    critic: RoleConfig = Field(default_factory=RoleConfig)
    author_b: RoleConfig = Field(default_factory=RoleConfig)
    synthesizer: RoleConfig = Field(default_factory=RoleConfig)
    judge: JudgeConfig = Field(default_factory=JudgeConfig)

    synthesis: SynthesisMode = "merge"
    n_judges: int = Field(default=3, ge=1, le=99)
    k: int = Field(default=2, ge=1)
    """Converged when the incumbent wins k passes in a row."""
    max_passes: int = Field(default=15, ge=0)
    budget_usd: float | None = Field(default=None, gt=0)
    critic_short_circuit: bool = False
    """A critique with a whole line ``NO FLAWS`` counts as an incumbent win without judges."""
    margin: int = Field(default=0, ge=0)
    """A challenger must beat the incumbent by at least this many Borda points (0: ties to A only)."""
    tie_order: list[Candidate] = Field(default_factory=lambda: list[Candidate](["AB", "B"]))
    """Who wins a tie between challengers (the incumbent A always wins its ties)."""

    @field_validator("tie_order")
    @classmethod
    def _distinct(cls, value: list[Candidate]) -> list[Candidate]:
        if len(set(value)) != len(value):
            raise ValueError(f"tie_order repeats a candidate: {value}")
        return value

    @model_validator(mode="after")
    def _backend_defaults(self) -> AutoReasonConfig:
        """Unset caps take what the serving backend declares, whichever command built this config."""
        if "max_passes" not in self.model_fields_set:
            rounds = defaults_for(self.model).max_rounds
            if rounds is not None:
                self.max_passes = rounds
        for name in ("teacher", "critic", "author_b", "synthesizer", "judge"):
            role: RoleConfig = getattr(self, name)
            if "max_tokens" in role.model_fields_set:
                continue
            declared = defaults_for(self.role_model(role))
            cap = declared.verdict_max_tokens if name == "judge" else declared.answer_max_tokens
            if cap is not None:
                role.max_tokens = cap
        return self

    def role_model(self, role: RoleConfig) -> ModelSpec:
        return role.model if role.model is not None else self.model

    def judge_models(self) -> list[ModelSpec]:
        """The model of each judge, in judge order."""
        panel = self.judge.models or [self.role_model(self.judge)]
        return [panel[i % len(panel)] for i in range(self.n_judges)]

    def settings(self) -> dict[str, Any]:
        """What each row records about how it was made."""
        roles = {"teacher": self.teacher, "critic": self.critic, "author_b": self.author_b,
                 "synthesizer": self.synthesizer}
        return {
            "synthesis": self.synthesis, "n_judges": self.n_judges, "k": self.k,
            "max_passes": self.max_passes, "budget_usd": self.budget_usd,
            "critic_short_circuit": self.critic_short_circuit, "margin": self.margin,
            "tie_order": ["A", *[c for c in self.tie_order if c != "A"]],
            "ballot": self.judge.ballot, "max_reasks": self.judge.max_reasks,
            "partial_ballots": self.judge.partial_ballots, "design": self.judge.design,
            "consistency": self.judge.consistency,
            "models": {**{name: spec_name(self.role_model(r)) for name, r in roles.items()},
                       "judges": [spec_name(m) for m in self.judge_models()]},
            "temperatures": {**{name: r.temperature for name, r in roles.items()},
                             "judge": self.judge.temperature},
            "max_tokens": {**{name: r.max_tokens for name, r in roles.items()},
                           "judge": self.judge.max_tokens},
        }


__all__ = ["AutoReasonConfig", "JudgeConfig", "ModelSpec", "RoleConfig", "spec_name"]
