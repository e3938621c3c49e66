"""What a finished AutoReason run did, from its rows: convergence, promotions, ballot validity, position
bias, usage.

``TournamentStats`` is the one walk over a tournament row's passes and ballots: the end-of-run summary
(``summarize``), and QA's stats, report and card (through ``Task.stats``) all read it. Ballot validity is
counted two ways (DESIGN.md §2 rule 6): valid on the first ask, and valid after re-asks. Position bias is
the share of ballots whose first choice was the candidate shown first, per judge model
(``hadron.llm.panel``). Usage sums the rows' own ``usage`` (cache hits included), so a resumed run
reports the whole dataset, not just the calls of its last session.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from pydantic import BaseModel, Field

from hadron.llm.panel import PositionBias, PositionMeter, bias_warning
from hadron.qa.measures import Distribution
from hadron.tasks.autoreason.records import UsageRecord

Row = Mapping[str, Any]

ROLE_OF_TRACE_PART = {"critique": "critic", "b": "author_b", "ab": "synthesizer"}
"""The trace's parts written by a model, and the role that wrote each (judges sign their ballots)."""


def judged_passes(row: Row) -> list[dict[str, Any]]:
    """Trace entries that went to the judges (not void, not short-circuited)."""
    return [p for p in row.get("trace") or () if isinstance(p, dict)
            and not p.get("void") and not p.get("short_circuit") and p.get("ballots")]


def pass_margins(row: Row) -> list[int]:
    """The recorded Borda margin of each judged pass."""
    return [int(p["margin"]) for p in judged_passes(row) if isinstance(p.get("margin"), int | float)]


def final_source_label(row: Row) -> str | None:
    """``A (draft)`` for the teacher's untouched draft, else the candidate that produced the text."""
    source = row.get("final_source")
    if not isinstance(source, dict):
        return None
    candidate = str(source.get("candidate") or "?")
    if candidate == "A" and source.get("pass") in (0, None):
        return "A (draft)"
    return candidate


@dataclass(slots=True)
class TournamentStats:
    """A tournament's numbers over its rows, one row at a time; two add (shards summarize apart).

    AutoReason's ``Task.stats``, and its baselines' with ``refines=False``: their rows carry the same
    trace, but a single answer or a best-of-n pick neither converges nor runs passes."""

    refines: bool = True
    """The rows refine a draft pass by pass, so convergence and passes mean something."""
    rows: int = 0
    refined_rows: int = 0
    converged: int = 0
    draft_kept: int = 0
    truncated: int = 0
    """Rows whose final text came from a call cut off by ``max_tokens``."""
    passes_converged: Counter[int] = field(default_factory=Counter)
    passes_capped: Counter[int] = field(default_factory=Counter)
    final_source: Counter[str] = field(default_factory=Counter)
    """By label: ``A (draft)``, ``B``, ``AB``, ..."""
    final_candidate: Counter[str] = field(default_factory=Counter)
    """By candidate as written (``A`` even when a later pass promoted an earlier A)."""
    final_pass: Counter[int] = field(default_factory=Counter)
    pass_winners: Counter[str] = field(default_factory=Counter)
    """Winners of judged, non-void passes."""
    margins: Distribution = field(default_factory=Distribution)
    ballots: Counter[str] = field(default_factory=Counter)
    """``ballots``, ``valid`` (after re-asks), ``valid_first_ask``, ``invalid``, ``reasks``."""
    ballot_errors: Counter[str] = field(default_factory=Counter)
    consistency: Counter[str] = field(default_factory=Counter)
    """``judge.consistency: swap``: ``asked``, ``agreed``, ``disagreed``, ``unreadable``."""
    position: PositionMeter = field(default_factory=PositionMeter)
    """Judges' first choices that were the candidate shown first, per judge model."""
    passes_total: int = 0
    void_passes: int = 0
    short_circuits: int = 0
    synthesis: Counter[str] = field(default_factory=Counter)
    served: dict[str, Counter[str]] = field(default_factory=dict)
    """Rows each model served in each role, as the trace records it."""

    def add_row(self, row: Row) -> None:
        self.rows += 1
        self.truncated += bool(row.get("truncated"))
        label = final_source_label(row)
        if label:
            self.final_source[label] += 1
        source: Mapping[str, Any] = row.get("final_source") or {}
        source = source if isinstance(source, Mapping) else {}
        self.final_candidate[str(source.get("candidate", "?"))] += 1
        if isinstance(source.get("pass"), int):
            self.final_pass[source["pass"]] += 1
        if self.refines:
            self.refined_rows += 1
            self.draft_kept += label == "A (draft)"
            passes = int(row.get("passes") or 0)
            if row.get("converged"):
                self.converged += 1
                self.passes_converged[passes] += 1
            else:
                self.passes_capped[passes] += 1
        settings = row.get("settings")
        if isinstance(settings, dict) and settings.get("synthesis"):
            self.synthesis[str(settings["synthesis"])] += 1
        served: dict[str, set[str]] = {}
        for entry in row.get("trace") or ():
            if isinstance(entry, dict):
                self._add_pass(entry, served)
        for role, specs in served.items():
            self.served.setdefault(role, Counter()).update(specs)
        for margin in pass_margins(row):
            self.margins.add(margin)

    def _add_pass(self, entry: Mapping[str, Any], served: dict[str, set[str]]) -> None:
        self.passes_total += 1
        for part, role in ROLE_OF_TRACE_PART.items():
            piece = entry.get(part)
            if isinstance(piece, dict) and piece.get("model"):
                served.setdefault(role, set()).add(str(piece["model"]))
        self.void_passes += bool(entry.get("void"))
        self.short_circuits += bool(entry.get("short_circuit"))
        if entry.get("winner") is not None and not entry.get("void"):
            self.pass_winners[str(entry["winner"])] += 1
        for ballot in entry.get("ballots") or ():
            self.ballots["ballots"] += 1
            valid = bool(ballot.get("valid"))
            self.ballots["valid" if valid else "invalid"] += 1
            self.ballots["valid_first_ask"] += valid and ballot.get("asks") == 1
            self.ballots["reasks"] += max(0, int(ballot.get("asks") or 1) - 1)
            if ballot.get("error"):
                self.ballot_errors[str(ballot["error"])[:80]] += 1
            if ballot.get("model"):
                served.setdefault("judge", set()).add(str(ballot["model"]))
            self.position.add_ballot(ballot)
            if ballot.get("swap"):
                self.consistency["asked"] += 1
                self.consistency["agreed"] += valid
                self.consistency["disagreed"] += bool(ballot.get("disagreed"))
                self.consistency["unreadable"] += bool(not valid and not ballot.get("disagreed")
                                                       and ballot.get("ranking") is not None)

    def __add__(self, other: TournamentStats) -> TournamentStats:
        out = TournamentStats(refines=self.refines or other.refines)
        for f in fields(self):
            if f.name not in ("refines", "served"):
                setattr(out, f.name, getattr(self, f.name) + getattr(other, f.name))
        for role in {*self.served, *other.served}:
            out.served[role] = self.served.get(role, Counter()) + other.served.get(role, Counter())
        return out

    @property
    def passes(self) -> int:
        """Passes run over the refined rows (as each row records them)."""
        return sum(k * v for k, v in (self.passes_converged + self.passes_capped).items())

    def headline(self) -> dict[str, Any]:
        """The run's headline numbers this task adds (``hadron stats``, the report's cards, the card)."""
        head: dict[str, Any] = {}
        if self.refined_rows:
            head["converged_rate"] = self.converged / self.refined_rows
            head["mean_passes"] = self.passes / self.refined_rows
            head["draft_kept_rate"] = self.draft_kept / self.refined_rows
        if self.rows:
            if self.ballots["ballots"]:
                head["valid_ballot_rate"] = self.ballots["valid"] / self.ballots["ballots"]
                head["reasks"] = self.ballots["reasks"]
            bias = self.position.overall
            if bias.ballots:
                head["first_shown_rate"] = bias.share
                head["first_shown_ci95"] = [round(x, 4) for x in bias.interval]
                head["first_shown_chance"] = bias.chance
            if self.passes_total:
                head["void_passes"] = self.void_passes
        head["final_source"] = dict(self.final_source)
        return head

    def role_models(self) -> dict[str, Counter[str]]:
        return self.served

    def card_lines(self) -> list[tuple[str, str]]:
        """Position bias per judge model, for the dataset card's numbers."""
        models = self.position.models
        return [(f"judge ballots ranking the candidate shown first as best ({name})", bias.describe())
                for name, bias in models.items() if name != "all" or len(models) > 2]

    def sections(self) -> list[Any]:
        """The report's tournament section (``hadron.qa.sections.Section``)."""
        from hadron.tasks.autoreason.report import tournament_section

        section = tournament_section(self)
        return [section] if section is not None else []


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


def summarize(rows: Iterable[Row], *, failed: int = 0) -> RunSummary:
    """Fold output rows (plain dicts as written) into a summary; ``failed`` comes from the manifest."""
    stats = TournamentStats()
    usage: dict[str, UsageRecord] = {}
    for row in rows:
        stats.add_row(row)
        for role, tally in (row.get("usage") or {}).items():
            current = usage.get(role, UsageRecord())
            usage[role] = UsageRecord(**{name: getattr(current, name) + tally.get(name, 0)
                                         for name in UsageRecord.model_fields})
    ballots, swap = stats.ballots, stats.consistency
    return RunSummary(
        rows=stats.rows, failed=failed, converged=stats.converged, passes=stats.passes,
        promotions={"B": stats.pass_winners["B"], "AB": stats.pass_winners["AB"]},
        final_sources=dict(stats.final_candidate), ballots=ballots["ballots"],
        valid_first_ask=ballots["valid_first_ask"], valid_after_reasks=ballots["valid"],
        void_passes=stats.void_passes, short_circuits=stats.short_circuits, truncated=stats.truncated,
        position_bias=stats.position.to_json(), usage=usage, meter=stats.position,
        consistency=Consistency(**{k: swap[k] for k in Consistency.model_fields}))


__all__ = ["Consistency", "RunSummary", "TournamentStats", "final_source_label", "judged_passes",
           "pass_margins", "summarize"]
