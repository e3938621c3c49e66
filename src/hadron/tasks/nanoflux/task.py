"""The NanoFlux task's descriptor (``runtime/task.py``): kept questions are SFT conversations.

Registered through the ``hadron.steps`` entry point ``nanoflux = "hadron.tasks.nanoflux.task:TASK"``.
"""

from __future__ import annotations

from hadron.data.exports.extraction import ChatRow, conversation_records
from hadron.runtime.task import CardText, Task
from hadron.tasks.nanoflux.report import report_sections
from hadron.tasks.nanoflux.run import FORMATS, run_nanoflux
from hadron.tasks.nanoflux.selection import selected_rows
from hadron.tasks.nanoflux.step import NanoFluxStep

CITATION = """```bibtex
@misc{anantha2025nanoflux,
  title         = {NanoFlux: Adversarial Dual-LLM Evaluation and Distillation For Multi-Domain Reasoning},
  author        = {Anantha, Raviteja and Hor, Soheil and Antoniu, Teodor Nicola and Price, Layne C.},
  year          = {2025},
  eprint        = {2509.23252},
  archivePrefix = {arXiv}
}
```"""

TASK = Task(
    name="nanoflux",
    step=NanoFluxStep,
    row_model=ChatRow,
    records={"sft": conversation_records},
    card=CardText(
        "NanoFlux adversarial synthesis",
        "Hard multi-step questions from an attacker/defender game (NanoFlux).",
        "An attacker model writes multi-step questions with reference answers and explanations; a "
        "defender answers; a tool-augmented judge checks validity, correctness, reasoning quality and hops; "
        "an embedding novelty filter drops near-duplicates; curation keeps valid questions the defender "
        "struggled with inside a complexity band.", ("question-answering", "text-generation"),
        ("nanoflux", "reasoning"), CITATION,
        ("Reference answers were checked by a judge model with tools, not by people.",)),
    report_view="plain",  # question, reference answer, judge verdict as fields
    run=run_nanoflux,
    formats=FORMATS,
    dataset=selected_rows,
    report_sections=report_sections,
)
