"""Settings for a NanoFlux run (pydantic: they come from YAML and the CLI).

Domains name what to write questions about; each has a list of skills the attacker cycles through.
Built-in domains come with skills; a config may add its own (``domains: {genomics: [...]}``) or give
its own skills for a built-in one. A name that is neither is a ``ConfigError`` before any call.

The complexity band and the failure requirement are settings, not constants: the published finding
is that question quality vs. usefulness for training is non-monotonic, so the sweet spot has to be
tuned per domain and student.
"""

from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from hadron.errors import ConfigError
from hadron.llm.backends.base import BackendDefaults
from hadron.llm.config import ModelSpec, spec_name
from hadron.llm.defaults import defaults_for
from hadron.sandbox import SandboxLimits

BUILTIN_DOMAINS: dict[str, tuple[str, ...]] = {
    "math": ("multi-step arithmetic word problems", "algebra", "combinatorics and probability",
             "geometry and measurement", "number theory"),
    "science": ("physics calculations", "chemistry and stoichiometry", "biology and genetics",
                "earth and space science"),
    "medicine": ("clinical reasoning from a case", "pharmacology and dosing", "physiology",
                 "interpreting lab results"),
    "genomics": ("Mendelian inheritance and pedigrees", "molecular biology of gene expression",
                 "population genetics", "sequence analysis"),
    "finance": ("interest, annuities and loans", "accounting statements", "investment returns and risk"),
    "logic": ("deductive puzzles", "scheduling and constraints", "counting arguments"),
    "coding": ("tracing program execution", "algorithmic complexity", "data structure behaviour"),
}
"""Domains known without configuration, each with the skills its attacker rounds cycle through."""



class RoleConfig(BaseModel):
    """One role's model and sampling. ``template`` is a path to a Jinja file replacing the packaged one."""

    model_config = ConfigDict(extra="forbid")

    model: ModelSpec = "local"
    system: str | None = None
    """System prompt; None uses the role's packaged default."""
    template: str | None = None
    temperature: float = Field(default=0.7, ge=0, le=2)
    max_tokens: int = Field(default=768, ge=1)
    max_reasks: int = Field(default=2, ge=0, le=10)
    """How often an unusable structured answer is asked for again before the round is rejected."""


class AttackerConfig(RoleConfig):
    temperature: float = Field(default=0.9, ge=0, le=2)


class DefenderConfig(RoleConfig):
    temperature: float = Field(default=0.3, ge=0, le=2)


class JudgeConfig(RoleConfig):
    temperature: float = Field(default=0.1, ge=0, le=2)
    max_tokens: int = Field(default=512, ge=1)
    tools: list[str] = Field(default_factory=lambda: ["python"])
    """Tools the judge may call (names from the tool registry); empty means no tool phase."""
    tool_protocol: Literal["auto", "native", "text"] = "auto"
    """``native``: OpenAI tool calls; ``text``: fenced blocks the loop executes; ``auto``: native when
    the backend supports tools."""
    max_tool_calls: int = Field(default=3, ge=0, le=20)
    """Tool calls per round; past this the judge must give its assessment."""
    verdict_max_tokens: int = Field(default=256, ge=16)
    compute_first: bool = False
    """Text protocol: before the full check, ask the judge only to compute the answer in a ```python
    block (a short prompt small models follow; they skip the tool in the long one) and run it. Unset,
    it is on where the judge's backend declares ``short_tool_prompt`` (the embedded model)."""


class SandboxConfig(BaseModel):
    """Limits of the judge's Python interpreter (``hadron.sandbox``; see docs/security.md)."""

    model_config = ConfigDict(extra="forbid")

    cpu_seconds: int = Field(default=5, ge=1, le=600)
    wall_seconds: float = Field(default=10.0, gt=0, le=3600)
    memory_mb: int = Field(default=512, ge=64)
    file_size_mb: int = Field(default=8, ge=1)
    max_output_bytes: int = Field(default=20_000, ge=256)
    unsafe: bool = False
    """Run the judge's code with no OS boundary where none can be had (``--unsafe-sandbox``); the run's
    manifest then carries a warning. Off: such a host refuses to start the run."""

    def limits(self) -> SandboxLimits:
        return SandboxLimits(cpu_seconds=self.cpu_seconds, wall_seconds=self.wall_seconds,
                             memory_mb=self.memory_mb, file_size_mb=self.file_size_mb,
                             max_output_bytes=self.max_output_bytes)


class Band(BaseModel):
    """The complexity band a kept question must fall in (both ends inclusive)."""

    model_config = ConfigDict(extra="forbid")

    hops: tuple[int, int] = (2, 8)
    """Reasoning hops the judge counted."""
    levels: tuple[int, int] = (2, 3)
    """Reasoning levels (bins of the judge's 1-5 reasoning quality; see ``level_bins``)."""

    @field_validator("hops", "levels")
    @classmethod
    def _ordered(cls, value: tuple[int, int]) -> tuple[int, int]:
        low, high = value
        if low < 0 or low > high:
            raise ValueError(f"a band is [low, high] with 0 <= low <= high, got {list(value)}")
        return value


Requirement = Literal["failed", "failed_or_struggled", "any"]

Criterion = Literal["in_band", "defender_failed", "verified", "judge_quality", "novelty"]
"""What selection ranks the pool by (``selection.py``): compared in the order the objective lists them."""
DEFAULT_OBJECTIVE: tuple[Criterion, ...] = ("in_band", "defender_failed", "verified", "judge_quality",
                                            "novelty")


class NanoFluxConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    domains: dict[str, list[str]] = Field(default_factory=lambda: {"math": list[str]()})
    """Domain -> skills. A list of names (``[math, science]``) uses the built-in skills; an empty
    list does too for a built-in domain."""
    per_domain: int = Field(default=150, ge=1)
    """Questions selected per domain (the paper's point: fewer than 200, chosen precisely)."""
    pool_factor: float = Field(default=3.0, ge=1.0, le=100.0)
    """Candidates pooled per domain before selection: ``ceil(pool_factor x per_domain)``. Rounds stop
    once the pool is full; selection then picks ``per_domain`` of them by ``objective``."""
    objective: list[Criterion] = Field(default_factory=lambda: list(DEFAULT_OBJECTIVE))
    """Ranking of the pool, most important first (lexicographic; ties broken by a hash of the id)."""
    spread: bool = True
    """Among items equal on the yes/no criteria, pick across (skill, hops) strata in turn."""
    require_verified: bool = False
    """Pool only questions whose reference answer the judge's tool run reproduced (``verified: true``)."""
    require_in_band: bool = True
    """Pool only questions inside ``band``; False pools them all and ``in_band`` only ranks."""
    max_rounds: int | None = Field(default=None, ge=1)
    """Rounds per domain at most; None means 10 x the pool size."""
    concurrency: int = Field(default=4, ge=1, le=256)
    """Rounds in flight per domain (results are still curated in round order)."""

    attacker: AttackerConfig = Field(default_factory=AttackerConfig)
    defender: DefenderConfig = Field(default_factory=DefenderConfig)
    judge: JudgeConfig = Field(default_factory=JudgeConfig)
    alternate: bool = True
    """Swap the attacker's and defender's models every other round."""

    band: Band = Field(default_factory=Band)
    level_bins: list[int] = Field(default_factory=lambda: [2, 4])
    """Upper edges of the reasoning-quality bins: ``[2, 4]`` maps quality 1-2 to level 1, 3-4 to 2,
    5 to 3."""
    require: Requirement = "failed_or_struggled"
    """Which defences make a question worth keeping: the defender got it wrong (``failed``), or wrong
    or right only with broken reasoning (``failed_or_struggled``), or ``any``."""
    novelty_threshold: float | None = Field(default=0.9, gt=0, le=1)
    """Reject a question whose cosine similarity to a pooled one of its domain is above this; None
    turns the novelty check (and the embedder) off."""
    embedder: str = "local"
    """``local`` (packaged all-MiniLM-L6-v2), ``http://host:port/v1#model`` or ``openai:model``."""
    sandbox: SandboxConfig = Field(default_factory=SandboxConfig)

    @field_validator("domains", mode="before")
    @classmethod
    def _names_to_mapping(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        if isinstance(value, list | tuple):
            return {str(name): [] for name in value}
        return value

    @field_validator("level_bins")
    @classmethod
    def _bins(cls, value: list[int]) -> list[int]:
        if any(not 1 <= edge <= 4 for edge in value) or value != sorted(set(value)):
            raise ValueError(f"level_bins must be increasing quality edges between 1 and 4, got {value}")
        return value

    @model_validator(mode="after")
    def _known_domains(self) -> NanoFluxConfig:
        if not self.domains:
            raise ConfigError("no domain given", hint=f"known domains: {', '.join(BUILTIN_DOMAINS)}")
        for name, skills in self.domains.items():
            if not name.strip():
                raise ConfigError("a domain name is empty")
            if not skills and name not in BUILTIN_DOMAINS:
                raise ConfigError(f"unknown domain {name!r}",
                                  hint=f"known domains: {', '.join(BUILTIN_DOMAINS)}; or give its skills "
                                       f"in the config: domains: {{{name}: [skill, ...]}}")
            if any(not skill.strip() for skill in skills):
                raise ConfigError(f"domain {name!r} has an empty skill")
        if len(set(self.objective)) != len(self.objective):
            raise ConfigError(f"objective names a criterion twice: {self.objective}")
        top = len(self.level_bins) + 1
        if self.band.levels[1] > top:
            raise ConfigError(f"band.levels {list(self.band.levels)} goes past the top level {top}",
                              hint="level_bins makes len(level_bins) + 1 levels")
        return self

    @model_validator(mode="after")
    def _backend_defaults(self) -> NanoFluxConfig:
        """Settings left unset take what each role's backend declares, whichever command built this."""
        for role, declared in ((self.attacker, "question_max_tokens"), (self.defender, "solution_max_tokens"),
                               (self.judge, "check_max_tokens")):
            _fill(role, "max_tokens", getattr(defaults_for(role.model), declared))
        judge: BackendDefaults = defaults_for(self.judge.model)
        _fill(self.judge, "verdict_max_tokens", judge.scored_verdict_max_tokens)
        _fill(self.judge, "compute_first", judge.short_tool_prompt)
        return self

    def skills(self, domain: str) -> list[str]:
        return list(self.domains.get(domain) or BUILTIN_DOMAINS.get(domain, ()))

    def rounds_limit(self) -> int:
        return self.max_rounds if self.max_rounds is not None else 10 * self.pool_size()

    def pool_size(self) -> int:
        """Candidates pooled per domain before selection."""
        return math.ceil(self.pool_factor * self.per_domain - 1e-9)

    @property
    def novelty(self) -> bool:
        return self.novelty_threshold is not None

    def level(self, quality: int) -> int:
        """The reasoning level of a 1-5 reasoning-quality score."""
        return 1 + sum(1 for edge in self.level_bins if quality > edge)

    def settings(self) -> dict[str, Any]:
        """What each row records about how it was made."""
        return {
            "models": {"attacker": spec_name(self.attacker.model), "defender": spec_name(self.defender.model),
                       "judge": spec_name(self.judge.model)},
            "alternate": self.alternate, "band": {"hops": list(self.band.hops),
                                                  "levels": list(self.band.levels)},
            "level_bins": self.level_bins, "require": self.require,
            "novelty_threshold": self.novelty_threshold, "embedder": self.embedder,
            "judge_tools": self.judge.tools, "per_domain": self.per_domain,
            "pool_factor": self.pool_factor, "objective": list(self.objective),
            "require_verified": self.require_verified, "require_in_band": self.require_in_band,
        }


def _fill(block: BaseModel, name: str, value: object) -> None:
    """Set ``name`` to the backend's declared ``value`` unless the user set it or the backend has none."""
    if value is not None and name not in block.model_fields_set:
        setattr(block, name, value)


__all__ = [
    "BUILTIN_DOMAINS",
    "DEFAULT_OBJECTIVE",
    "AttackerConfig",
    "Band",
    "Criterion",
    "DefenderConfig",
    "JudgeConfig",
    "ModelSpec",
    "NanoFluxConfig",
    "Requirement",
    "RoleConfig",
    "SandboxConfig",
    "spec_name",
]
