"""The report's tournament section: passes, final sources, Borda margins, ballots and position bias,
drawn from ``TournamentStats`` (AutoReason and its baselines)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hadron.llm.panel import bias_warning
from hadron.qa import charts
from hadron.qa.sections import TOP, Figure, Section, Table, dist_of, hist, num, pct, top

if TYPE_CHECKING:
    from hadron.tasks.autoreason.summary import TournamentStats


def tournament_section(s: TournamentStats) -> Section | None:
    if not s.rows:
        return None
    sec = Section("tournament", "Tournament (AutoReason)")
    n = s.refined_rows
    converged = f"converged {pct(s.converged / n)}; " if n else ""
    sec.notes.append(f"{num(s.rows)} rows; {converged}{num(s.passes_total)} passes, "
                     f"{num(s.void_passes)} void, {num(s.short_circuits)} short-circuited."
                     + (f" Synthesis: {', '.join(f'{k} ({v})' for k, v in s.synthesis.items())}."
                        if s.synthesis else ""))
    if s.passes_converged:
        sec.figures.append(hist("Passes to convergence (converged rows)", dist_of(s.passes_converged)))
    if s.passes_capped:
        sec.figures.append(hist("Passes run (rows that did not converge)", dist_of(s.passes_capped)))
    if s.final_source:
        sec.figures.append(Figure("Final text came from", charts.hbar(top(s.final_source)),
                                  "“A (draft)” means the teacher's first answer survived every pass."))
    if s.final_pass:
        sec.figures.append(hist("Pass that produced the final text (0 = draft)", dist_of(s.final_pass)))
    if s.pass_winners:
        sec.figures.append(Figure("Pass winners (judged, non-void)", charts.hbar(top(s.pass_winners))))
    if s.margins.n:
        sec.figures.append(hist("Borda margin of judged passes", s.margins,
                                 "Winner's Borda points minus the runner-up's."))
    ballots = s.ballots
    if ballots.get("ballots"):
        sec.figures.append(Figure("Ballots", charts.hbar(
            [("valid", ballots["valid"]), ("invalid", ballots["invalid"]), ("re-asks", ballots["reasks"])],
            colors=(charts.GOOD, charts.BAD, charts.WARN)),
            f"{pct(ballots['valid'] / ballots['ballots'])} of {num(ballots['ballots'])} ballots valid after "
            "re-asks."))
    if s.ballot_errors:
        sec.tables.append(Table("Why ballots were invalid", ["error", "ballots"],
                                [[k, num(v)] for k, v in s.ballot_errors.most_common(TOP)]))
    position = s.position.models
    if position:
        sec.tables.append(Table(
            "Position bias: ballots whose first choice was the candidate shown first",
            ["judge model", "ballots", "first shown ranked first", "95% CI", "expected without bias"],
            [[name, num(b.ballots), pct(b.share), f"{pct(b.interval[0])} - {pct(b.interval[1])}",
              pct(b.chance)] for name, b in position.items() if name != "all" or len(position) > 2]))
        warning = bias_warning(s.position.overall, what="the pass winners say little about quality.")
        if warning:
            sec.notes.append(warning)
    return sec
