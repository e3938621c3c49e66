"""Options of one distillation run, validated once at the boundary (CLI or library call)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


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
    comparator: str | None = None
    """``module:function`` replacing the default field comparator."""
    stride: int = Field(default=4, ge=2)
    """Every ``stride``-th untagged record (in file order) goes to the holdout."""
    val_stride: int = Field(default=3, ge=0)
    """Every ``val_stride``-th train record becomes GEPA's validation set; 0 validates on train itself."""
    max_metric_calls: int = Field(default=60, ge=1)
    """GEPA budget: student calls (one per example evaluated) the optimizer may spend."""
    max_seconds: float = Field(default=600.0, gt=0)
    """Wall-clock stopper, checked by GEPA between iterations."""
    minibatch_size: int = Field(default=3, ge=1)
    """Examples per reflection step."""
    min_delta: float = 0.0
    """The winner is promoted only if holdout agreement beats the baseline by strictly more than this."""
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
        return self
