"""GEPA prompt distillation: frozen gold verdicts -> one cheap student prompt that reproduces them.

``distill(gold_path, seed_prompt, DistillConfig(...), out_dir)`` runs the whole thing; the pieces
(gold loading, split, agreement, student, gepa adapter, gate) are importable on their own.
"""

from __future__ import annotations

from hadron.distill.adapter import DistillAdapter
from hadron.distill.agreement import Agreement, Comparator, FieldComparator, load_comparator, make_comparator
from hadron.distill.config import DistillConfig
from hadron.distill.gate import ExampleScore, GateDecision, decide, paired_bootstrap_ci, score_holdout
from hadron.distill.gold import GoldRecord, check_label_fields, load_gold
from hadron.distill.report import DistillReport
from hadron.distill.run import distill, read_prompt
from hadron.distill.split import GoldSplit, split_gold
from hadron.distill.student import LabelSpec, Student, StudentAnswer, label_spec

__all__ = [
    "Agreement",
    "Comparator",
    "DistillAdapter",
    "DistillConfig",
    "DistillReport",
    "ExampleScore",
    "FieldComparator",
    "GateDecision",
    "GoldRecord",
    "GoldSplit",
    "LabelSpec",
    "Student",
    "StudentAnswer",
    "check_label_fields",
    "decide",
    "distill",
    "label_spec",
    "load_comparator",
    "load_gold",
    "make_comparator",
    "paired_bootstrap_ci",
    "read_prompt",
    "score_holdout",
    "split_gold",
]
