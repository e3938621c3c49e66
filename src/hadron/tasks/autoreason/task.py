"""The AutoReason task's descriptor: what its rows are and how its command runs (``runtime/task.py``).

Registered through the ``hadron.steps`` entry point ``autoreason = "hadron.tasks.autoreason.task:TASK"``.
"""

from __future__ import annotations

from hadron.runtime.task import CardText, Task
from hadron.tasks.autoreason.exports import EXTRACTORS
from hadron.tasks.autoreason.run import FORMATS, run_autoreason
from hadron.tasks.autoreason.step import AutoReason
from hadron.tasks.autoreason.summary import TournamentStats
from hadron.tasks.autoreason.view import RunRow

CITATION = ("- SHL0MS. *Autoreason: Self-Refinement That Knows When to Stop.* "
            "https://github.com/NousResearch/autoreason")
TEXT_COLUMNS = frozenset({"trace", "reasoning", "final_source", "converged", "passes"})
"""Tournament columns QA reads through the report's tournament view, not as categories or numbers."""

TOURNAMENT = ("The teacher writes a first answer (A). Each pass, a critic lists concrete problems in A, an "
              "author writes a revision B that addresses them, a synthesizer writes AB, and a panel of "
              "fresh judges ranks A, B and AB under neutral labels, each candidate shown in each position "
              "equally often across the panel; Borda points pick the winner, ties go to A. A row converges "
              "when A wins k passes in a row; a pass cap bounds cost.")

TASK = Task(
    name="autoreason",
    step=AutoReason,
    row_model=RunRow,
    records=EXTRACTORS,
    card=CardText(
        "AutoReason tournament refinement", "Answers refined by blind tournament (AutoReason).",
        TOURNAMENT, ("text-generation",), ("autoreason", "refinement"), CITATION,
        ("Rows that hit the pass cap without converging are included; filter on `converged` if needed.",
         "The judges are models: agreement among them is not correctness, and a weak judge panel can "
         "keep a flawed draft.",
         "Judges that rank by display order carry no information about quality: see the position-bias "
         "line above (share of ballots whose first choice was the candidate shown first; 1/3 expected). "
         "With a counterbalanced panel (the default) such passes tie and keep the draft."), preference=True),
    report_view="tournament",
    text_columns=TEXT_COLUMNS,
    stats=TournamentStats,
    run=run_autoreason,
    formats=FORMATS,
)
