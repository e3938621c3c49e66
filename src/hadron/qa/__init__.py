"""Quality assurance for runs: statistics, the HTML report, blind evaluation and the dataset card."""

from __future__ import annotations

from hadron.qa.card import render_card, write_dataset_card
from hadron.qa.eval import EvalOptions, run_eval, write_eval
from hadron.qa.pairs import FieldNames, join_sides, load_side
from hadron.qa.push import push_run, upload_plan
from hadron.qa.report import render_report, write_report
from hadron.qa.rundir import RunDir
from hadron.qa.stats import RunSummary, summarize

__all__ = [
    "EvalOptions",
    "FieldNames",
    "RunDir",
    "RunSummary",
    "join_sides",
    "load_side",
    "push_run",
    "render_card",
    "render_report",
    "run_eval",
    "summarize",
    "upload_plan",
    "write_dataset_card",
    "write_eval",
    "write_report",
]
