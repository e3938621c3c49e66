"""The agentic task's descriptor (``runtime/task.py``): each saved episode is one SFT conversation with
the tool schemas it was offered.

Registered through the ``hadron.steps`` entry point ``agentic = "hadron.tasks.agentic.task:TASK"``.
"""

from __future__ import annotations

from hadron.data.exports.extraction import ChatRow, conversation_records
from hadron.runtime.task import CardText, Task
from hadron.tasks.agentic.report import report_sections
from hadron.tasks.agentic.run import SFT_FORMATS, run_task
from hadron.tasks.agentic.step import Agentic

TASK = Task(
    name="agentic",
    step=Agentic,
    row_model=ChatRow,
    records={"sft": conversation_records},
    card=CardText(
        "Agentic trace distillation",
        "Tool-use conversations from executed environments.",
        "A teacher agent worked through scenarios by calling tools that a deterministic environment "
        "executed; a reviewer scored each episode against a rubric and sent weak ones back for refinement. "
        "Reviewer turns are not in the saved conversations.",
        ("text-generation",),
        ("agent", "tool-use", "function-calling"),
        None,
        ("Environments are simulations; tools marked `simulated` were answered by a model.",),
    ),
    report_view="agentic",
    run=run_task,
    formats=tuple(SFT_FORMATS),
    report_sections=report_sections,
)
