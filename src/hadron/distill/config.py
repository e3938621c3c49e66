"""Options of one distillation run, validated once at the boundary (CLI or library call)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

GateRule = Literal["ci", "delta"]


class DistillConfig(BaseModel):
    """Everything ``hadron distill`` needs besides the gold file and the seed prompt."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    student: str = "local"
    """Model spec of the cheap student (anything ``ModelHub.get`` accepts)."""
    reflection: str = "local"
    """Model spec of the reflection (optimizer) model that proposes new prompts."""
    categorical: tuple[str, ...] = ()
    """Label fields compared by exact match."""
    array: tuple[str, ...] = ()
    """Label fields compared by Jaccard overlap of their items."""
    label_values: dict[str, tuple[Any, ...]] = Field(default_factory=dict)
    """Values a field may take beyond those in the gold labels (the student's schema offers them too)."""
    comparator: str | None = None
    """``module:function`` replacing the default field comparator."""
    stride: int = Field(default=4, ge=2)
    """Every ``stride``-th untagged record (in file order) goes to the holdout."""
    val_stride: int = Field(default=3, ge=0)
    """Every ``val_stride``-th train record becomes GEPA's validation set; 0 validates on train itself."""
    max_metric_calls: int | None = Field(default=None, ge=1)
    """GEPA budget: student calls (one per example evaluated) the optimizer may spend. None: sized from
    ``generations`` when given, else ``DEFAULT_BUDGET``."""
    generations: int | None = Field(default=None, ge=1)
    """GEPA iterations (each proposes ``population`` children); None: only the budget bounds the run."""
    population: int = Field(default=1, ge=1)
    """Children proposed per generation, each from its own Pareto-selected parent and minibatch."""
    max_seconds: float = Field(default=600.0, gt=0)
    """Wall-clock stopper, checked by GEPA between iterations."""
    minibatch_size: int = Field(default=3, ge=1)
    """Examples per reflection step."""
    min_delta: float = 0.0
    """The winner must beat the baseline on the holdout by strictly more than this (see ``gate``)."""
    gate: GateRule = "ci"
    """``ci``: the lower bound of the paired-bootstrap 95% CI of (winner - baseline) must exceed
    ``min_delta``; ``delta``: the plain mean difference must."""
    reps: int = Field(default=1, ge=1)
    """Holdout repetitions per prompt in the gate; scores are averaged to smooth sampling noise."""
    bootstrap: int = Field(default=2000, ge=100)
    """Paired bootstrap resamples for the gate's confidence interval."""
    seed: int = 0
    student_max_tokens: int = Field(default=256, ge=16)
    reflection_temperature: float = Field(default=0.7, ge=0.0)
    reflection_max_tokens: int = Field(default=768, ge=64)
    concurrency: int = Field(default=4, ge=1)
    """Student calls in flight at once within one evaluation batch."""

    @field_validator("categorical", "array", mode="before")
    @classmethod
    def _split_names(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @model_validator(mode="after")
    def _fields_disjoint(self) -> DistillConfig:
        both = set(self.categorical) & set(self.array)
        if both:
            raise ValueError(f"fields named both categorical and array: {', '.join(sorted(both))}")
        unknown = set(self.label_values) - set(self.categorical) - set(self.array)
        if unknown:
            raise ValueError(f"label values declared for unnamed fields: {', '.join(sorted(unknown))}")
        return self
