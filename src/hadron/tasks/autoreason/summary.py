"""What a finished AutoReason run did, from its rows: convergence, promotions, ballot validity, position
bias, usage.

Ballot validity is counted two ways (DESIGN.md §2 rule 6): valid on the first ask, and valid after
re-asks. Position bias is the share of ballots whose first choice was the candidate shown first, per
judge model (``hadron.llm.panel``). Usage sums the rows' own ``usage`` (cache hits included), so a
resumed run reports the whole dataset, not just the calls of its last session.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel, Field

from hadron.llm.panel import PositionBias, PositionMeter, bias_warning
from hadron.tasks.autoreason.records import UsageRecord


class Consistency(BaseModel):
    """``judge.consistency: swap``: ballots asked twice (order reversed) and what came of it."""

    asked: int = 0
    agreed: int = 0
    disagreed: int = 0
    """Both rankings readable but different: the ballot is void."""
    unreadable: int = 0
    """The first ranking was readable, the reversed one not: the ballot is void."""


class RunSummary(BaseModel):
    rows: int = 0
    failed: int = 0
    converged: int = 0
    passes: int = 0
    """Passes over all rows."""
    promotions: dict[str, int] = Field(default_factory=dict)
    """Passes won by a challenger, by candidate (B, AB)."""
    final_sources: dict[str, int] = Field(default_factory=dict)
    """Rows whose final text came from each candidate (A = the teacher's draft survived)."""
    ballots: int = 0
    valid_first_ask: int = 0
    valid_after_reasks: int = 0
    void_passes: int = 0
    short_circuits: int = 0
    truncated: int = 0
    """Rows whose final text came from a call cut off by ``max_tokens``."""
    position_bias: dict[str, dict[str, Any]] = Field(default_factory=dict)
    """Per judge model and ``all``: ballots, first_shown, share, ci95, chance, follows_order."""
    consistency: Consistency = Field(default_factory=Consistency)
    usage: dict[str, UsageRecord] = Field(default_factory=dict)
    meter: PositionMeter = Field(default_factory=PositionMeter, exclude=True)

    @property
    def passes_mean(self) -> float:
        return self.passes / self.rows if self.rows else 0.0

    @property
    def converged_share(self) -> float:
        return self.converged / self.rows if self.rows else 0.0

    @property
    def first_ask_share(self) -> float:
        return self.valid_first_ask / self.ballots if self.ballots else 0.0

    @property
    def after_reasks_share(self) -> float:
        return self.valid_after_reasks / self.ballots if self.ballots else 0.0

    @property
    def judged_passes(self) -> int:
        return self.passes - self.short_circuits

    @property
    def bias(self) -> PositionBias:
        """Position bias over every judge model."""
        return self.meter.overall

    def warnings(self) -> list[str]:
        """End-of-run warnings: judges whose verdicts mostly follow display order."""
        line = bias_warning(self.bias, what=(
            "their rankings carry little information about quality; with a counterbalanced panel such a "
            "pass ties and keeps A, so most final texts are the teacher's draft (use a stronger judge "
            "model, or judge.consistency: swap to void order-driven ballots)"))
        return [line] if line else []

    def to_json(self) -> dict[str, Any]:
        data = self.model_dump(mode="json")
        data.update(passes_mean=round(self.passes_mean, 3), converged_share=round(self.converged_share, 3),
                    valid_first_ask_share=round(self.first_ask_share, 4),
                    valid_after_reasks_share=round(self.after_reasks_share, 4))
        return data


def summarize(rows: Iterable[Mapping[str, Any]], *, failed: int = 0) -> RunSummary:
    """Fold output rows (plain dicts as written) into a summary; ``failed`` comes from the manifest."""
    summary = RunSummary(failed=failed)
    promotions: Counter[str] = Counter()
    finals: Counter[str] = Counter()
    usage: dict[str, UsageRecord] = {}
    for row in rows:
        summary.rows += 1
        summary.converged += bool(row.get("converged"))
        summary.passes += int(row.get("passes") or 0)
        summary.truncated += bool(row.get("truncated"))
        finals[str((row.get("final_source") or {}).get("candidate", "?"))] += 1
        for entry in row.get("trace") or []:
            summary.void_passes += bool(entry.get("void"))
            summary.short_circuits += bool(entry.get("short_circuit"))
            if not entry.get("void") and entry.get("winner") in ("B", "AB"):
                promotions[entry["winner"]] += 1
            for ballot in entry.get("ballots") or []:
                summary.ballots += 1
                if ballot.get("valid"):
                    summary.valid_after_reasks += 1
                    summary.valid_first_ask += ballot.get("asks") == 1
                summary.meter.add_ballot(ballot)
                if ballot.get("swap"):
                    summary.consistency.asked += 1
                    summary.consistency.agreed += bool(ballot.get("valid"))
                    summary.consistency.disagreed += bool(ballot.get("disagreed"))
                    summary.consistency.unreadable += bool(
                        not ballot.get("valid") and not ballot.get("disagreed")
                        and ballot.get("ranking") is not None)
        for role, tally in (row.get("usage") or {}).items():
            current = usage.get(role, UsageRecord())
            usage[role] = UsageRecord(**{name: getattr(current, name) + tally.get(name, 0)
                                         for name in UsageRecord.model_fields})
    summary.promotions = {"B": promotions["B"], "AB": promotions["AB"]}
    summary.final_sources = dict(finals)
    summary.usage = usage
    summary.position_bias = summary.meter.to_json()
    return summary


__all__ = ["Consistency", "RunSummary", "summarize"]
