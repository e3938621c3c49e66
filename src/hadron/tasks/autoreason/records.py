"""The output row of AutoReason and its baselines (contract: /work/briefs/autoreason_row.md).

A row is written as the source columns (``id``, ``prompt``, ...) plus ``MethodColumns.to_columns()``.
Field ``pass`` is a Python keyword, so models name it ``pass_`` and serialize it by alias.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

Candidate = Literal["A", "B", "AB"]
Role = Literal["teacher", "critic", "author_b", "synthesizer", "judge", "judge_swap"]
ROLES: tuple[Role, ...] = ("teacher", "critic", "author_b", "synthesizer", "judge", "judge_swap")
"""``judge_swap``: the judges' consistency re-asks (order reversed), counted apart from ``judge``."""
Method = Literal["autoreason", "single_shot", "best_of_n"]
SynthesisMode = Literal["merge", "minimal_repair"]


class _Record(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")


def _pass_field() -> Any:
    """``pass_`` in Python, ``pass`` in rows (read from either)."""
    return Field(validation_alias=AliasChoices("pass", "pass_"), serialization_alias="pass")


class PassSource(_Record):
    """Which candidate of which pass wrote a text (pass 0 = the teacher's draft)."""

    candidate: Literal["A", "B", "AB", "sample"]
    pass_: int = _pass_field()


class FinalSource(PassSource):
    index: int | None = None
    """The sample index for best_of_n; null otherwise."""


class RoleText(_Record):
    text: str
    reasoning: str | None = None
    model: str
    finish_reason: str | None = None
    """Why the call stopped (``length``: cut off by ``max_tokens``)."""


class SynthesisText(RoleText):
    mode: SynthesisMode


class Incumbent(_Record):
    text: str
    source: PassSource
    truncated: bool = False
    """The call that wrote the text was cut off by ``max_tokens``."""


class SwapAsk(_Record):
    """The consistency re-ask (``judge.consistency: swap``): the same judge, the order reversed."""

    permutation: dict[str, str]
    raw: str
    ranking: list[str] | None = None
    valid: bool
    asks: int


class BallotRecord(_Record):
    judge: int
    model: str
    permutation: dict[str, str]
    """label -> candidate, in the order the judge saw them."""
    raw: str
    """The judge's last reply (the one parsed, or the last one that failed)."""
    reasoning: str | None = None
    reasoning_truncated: bool = False
    """The reasoning was longer than ``ballot.REASONING_KEPT`` characters and is cut (the ballot counts)."""
    ranking: list[str] | None = None
    """Candidates best first, mapped back through the permutation; null when unreadable. A ballot
    voided by its consistency re-ask keeps its ranking: count ``valid`` ballots, not rankings."""
    valid: bool
    finish_reason: str | None = None
    """Of the last ask."""
    asks: int
    """1 = valid (or given up) on the first ask; each re-ask adds one."""
    error: str | None = None
    design: str | None = None
    """The panel design this order came from (``hadron.llm.panel.Slot.design``); null in older rows."""
    slot: int | None = None
    """The row of that design the judge was shown."""
    swap: SwapAsk | None = None
    """The consistency re-ask, when asked."""
    disagreed: bool = False
    """Void because the re-ask with the order reversed ranked differently."""


class PassRecord(_Record):
    pass_: int = _pass_field()
    incumbent: Incumbent | None
    critique: RoleText | None = None
    b: RoleText | None = None
    ab: SynthesisText | None = None
    ballots: list[BallotRecord] = Field(default_factory=list)
    borda: dict[str, int] | None = None
    winner: str
    margin: int | None = None
    void: bool = False
    short_circuit: bool = False


class SamplingPass(PassRecord):
    """best_of_n's single trace entry: candidates are the sample indices as strings."""

    samples: list[str]


class ReasoningEntry(_Record):
    role: Role
    pass_: int = _pass_field()
    text: str
    index: int | None = None
    """The teacher's sample index (best_of_n) or the judge's index; null when the role wrote once."""


class UsageRecord(_Record):
    calls: int = 0
    retries: int = 0
    cache_hits: int = 0
    reasks: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    seconds: float = 0.0
    truncated: int = 0
    saved_usd: float = 0.0
    unpriced: int = 0


class MethodColumns(_Record):
    """The columns a method adds to a source row."""

    method: Method
    generation: str
    final_source: FinalSource
    converged: bool
    passes: int
    settings: dict[str, Any]
    truncated: bool = False
    """``generation`` came from a call cut off by ``max_tokens``: exports skip it unless asked."""
    trace: list[SamplingPass | PassRecord] = Field(default_factory=list)
    reasoning: list[ReasoningEntry] = Field(default_factory=list)
    usage: dict[str, UsageRecord] = Field(default_factory=dict)

    def to_columns(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True)


__all__ = [
    "ROLES",
    "BallotRecord",
    "Candidate",
    "FinalSource",
    "Incumbent",
    "MethodColumns",
    "PassRecord",
    "PassSource",
    "ReasoningEntry",
    "Role",
    "RoleText",
    "SamplingPass",
    "SwapAsk",
    "SynthesisMode",
    "SynthesisText",
    "UsageRecord",
]
