"""Headline numbers of a run, gathered in one streaming pass over its rows and logs.

``RunSummary.add_row`` folds one row in; everything kept is a counter or a bounded ``Distribution``,
so memory stays flat for any number of rows, and two summaries add (shards can be summarized apart).
The functions at the top read one row each and are what the tests pin.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from typing import Any

from hadron.llm.accounting import Tally
from hadron.qa import fields as rf
from hadron.qa.measures import Distribution
from hadron.runtime.task import Task, TaskStats, task_of_row

Row = dict[str, Any]

MAX_CATEGORY_VALUES = 40
MAX_CATEGORY_LENGTH = 60
MAX_FIELDS = 16


# --- one row at a time ---------------------------------------------------------------------------

def models_by_role(row: Row) -> dict[str, set[str]]:
    """Which model served each role, from ``settings`` and the row's columns (a task's own records, such
    as AutoReason's trace, are read by its ``Task.stats``: ``RunSummary.role_models``)."""
    found: dict[str, set[str]] = {}
    settings = rf.as_dict(row.get("settings"))
    for role, spec in rf.as_dict(settings.get("models")).items():
        if isinstance(spec, str):
            found.setdefault(str(role), set()).add(spec)
    for key, value in settings.items():
        if key.endswith("_model") and isinstance(value, str):
            found.setdefault(key.removesuffix("_model"), set()).add(value)
    for role, spec in rf.as_dict(row.get("models")).items():
        if isinstance(spec, str):
            found.setdefault(str(role), set()).add(spec)
    for key, value in row.items():
        if isinstance(value, str) and (key == "model" or key.endswith("_model")):
            found.setdefault(key.removesuffix("_model"), set()).add(value)
    return found


def numeric_leaves(row: Row, task: Task | None = None) -> dict[str, float]:
    """Numeric columns (top level and one level down, e.g. ``review.total``), bools excluded; the row's
    task's text columns are left out (``fields.skipped_columns``)."""
    out: dict[str, float] = {}
    skipped = rf.skipped_columns(row, task)
    for key, value in row.items():
        if key in skipped:
            continue
        if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
            out[key] = float(value)
        elif isinstance(value, dict):
            for sub, inner in value.items():
                if isinstance(inner, int | float) and not isinstance(inner, bool) and math.isfinite(inner):
                    out[f"{key}.{sub}"] = float(inner)
    return out


def categorical_leaves(row: Row, task: Task | None = None) -> dict[str, str]:
    """Short string and boolean columns that could be categories (long text is left out)."""
    out: dict[str, str] = {}
    skipped = rf.skipped_columns(row, task)

    def visit(key: str, value: Any) -> None:
        if isinstance(value, bool):
            out[key] = str(value).lower()
        elif isinstance(value, str) and 0 < len(value) <= MAX_CATEGORY_LENGTH and "\n" not in value:
            out[key] = value

    for key, value in row.items():
        if key in skipped:
            continue
        if isinstance(value, dict):
            for sub, inner in value.items():
                visit(f"{key}.{sub}", inner)
        else:
            visit(key, value)
    return out


@dataclass(slots=True)
class RunSummary:
    rows: int = 0
    methods: Counter[str] = field(default_factory=Counter)
    errors: int = 0
    errors_by_type: Counter[str] = field(default_factory=Counter)
    errors_by_step: Counter[str] = field(default_factory=Counter)
    rejects: int = 0
    reject_reasons: Counter[str] = field(default_factory=Counter)
    tasks: dict[str, TaskStats] = field(default_factory=dict)
    """Each task's own numbers (``Task.stats``), by task name: AutoReason's tournament, its baselines."""
    # usage
    usage: dict[str, Tally] = field(default_factory=dict)
    models: dict[str, Counter[str]] = field(default_factory=dict)
    # content
    lengths: Distribution = field(default_factory=Distribution)
    categories: dict[str, Counter[str]] = field(default_factory=dict)
    overfull: set[str] = field(default_factory=set)
    numbers: dict[str, Distribution] = field(default_factory=dict)
    # agentic
    agentic_rows: int = 0
    tool_calls: Distribution = field(default_factory=Distribution)
    tool_names: Counter[str] = field(default_factory=Counter)
    turns: Distribution = field(default_factory=Distribution)

    # -- folding in ---------------------------------------------------------------------------------

    def add_row(self, row: Row, task: Task | None = None) -> None:
        """Fold one row in; ``task``: the run's task, for rows that do not name their own."""
        self.rows += 1
        if row.get("method"):
            self.methods[str(row["method"])] += 1
        text = rf.text_of(row)
        if text is not None:
            self.lengths.add(len(text))
        own = task_of_row(row, task)
        if own is not None and own.stats is not None:
            if own.name not in self.tasks:
                self.tasks[own.name] = own.stats()
            self.tasks[own.name].add_row(row)
        if rf.messages_of(row):
            self._add_conversation(row)
        for role, record in (row.get("usage") or {}).items():
            if isinstance(record, dict):
                self.usage[role] = self.usage.get(role, Tally()) + Tally.from_dict(record)
        for role, specs in models_by_role(row).items():
            self.models.setdefault(role, Counter()).update(specs)
        self._add_columns(row, task)

    def _add_conversation(self, row: Row) -> None:
        calls = rf.tool_calls_of(row)
        self.turns.add(sum(1 for m in rf.messages_of(row) if m.get("role") == "assistant"))
        if calls or row.get("tools"):
            self.agentic_rows += 1
            self.tool_calls.add(len(calls))
            self.tool_names.update(rf.tool_name(c) for c in calls)

    def _add_columns(self, row: Row, task: Task | None) -> None:
        for key, value in categorical_leaves(row, task).items():
            if key in self.overfull:
                continue
            if key not in self.categories and len(self.categories) >= MAX_FIELDS * 2:
                continue
            counter = self.categories.setdefault(key, Counter())
            counter[value] += 1
            if len(counter) > MAX_CATEGORY_VALUES:
                self.overfull.add(key)
                del self.categories[key]
        for key, number in numeric_leaves(row, task).items():
            if key in self.numbers or len(self.numbers) < MAX_FIELDS:
                self.numbers.setdefault(key, Distribution()).add(number)

    def add_error(self, record: Row) -> None:
        self.errors += 1
        self.errors_by_type[str(record.get("error_type") or record.get("type") or "unknown")] += 1
        self.errors_by_step[str(record.get("step") or "unknown")] += 1

    def add_reject(self, record: Row) -> None:
        self.rejects += 1
        self.reject_reasons[str(record.get("reason") or "unknown")] += 1

    def __add__(self, other: RunSummary) -> RunSummary:
        out = RunSummary()
        for f in fields(self):
            a, b = getattr(self, f.name), getattr(other, f.name)
            if isinstance(a, dict) and not isinstance(a, Counter):
                merged: dict[str, Any] = dict(a)
                for key, value in b.items():
                    merged[key] = merged[key] + value if key in merged else value
                setattr(out, f.name, merged)
            elif isinstance(a, set):
                setattr(out, f.name, a | b)
            else:
                setattr(out, f.name, a + b)
        for key in out.overfull:
            out.categories.pop(key, None)
        return out

    # -- reading out --------------------------------------------------------------------------------

    def coverage(self) -> dict[str, Counter[str]]:
        """Category-like columns worth a chart: known names first, then any with repeated values."""
        preferred = [k for k in rf.CATEGORY_FIELDS if k in self.categories]
        others = [k for k, c in self.categories.items()
                  if k not in preferred and 1 < len(c) < max(2, self.rows)]
        return {k: self.categories[k] for k in preferred + sorted(others)}

    def task_stats(self) -> list[TaskStats]:
        """The tasks' own numbers, those of one accumulator type added together (a run of AutoReason
        and baseline rows reports one tournament)."""
        by_type: dict[type, TaskStats] = {}
        for name in sorted(self.tasks):
            stats = self.tasks[name]
            kind = type(stats)
            by_type[kind] = by_type[kind] + stats if kind in by_type else stats
        return list(by_type.values())

    def usage_total(self) -> Tally:
        total = Tally()
        for usage in self.usage.values():
            total = total + usage
        return total

    def role_models(self) -> dict[str, set[str]]:
        """Which models served each role: the rows' settings and columns, and the tasks' own records."""
        found = {role: set(specs) for role, specs in self.models.items()}
        for stats in self.task_stats():
            for role, specs in stats.role_models().items():
                found.setdefault(role, set()).update(specs)
        return found

    def usage_by_model(self) -> dict[str, Tally]:
        """Tally regrouped by the model that served each role (a role with several shows them all)."""
        out: dict[str, Tally] = {}
        models = self.role_models()
        for role, usage in self.usage.items():
            specs = sorted(models.get(role, ()))
            label = ", ".join(specs) if specs else "(unknown)"
            out[label] = out.get(label, Tally()) + usage
        return out

    def headline(self) -> dict[str, Any]:
        """The few numbers ``hadron stats`` prints and the report puts on top."""
        total = self.usage_total()
        processed = self.rows + self.errors + self.rejects
        head: dict[str, Any] = {"rows": self.rows, "failed": self.errors, "rejected": self.rejects,
                                "success_rate": self.rows / processed if processed else None}
        for stats in self.task_stats():
            head.update(stats.headline())
        if self.agentic_rows:
            head["mean_tool_calls"] = self.tool_calls.mean
        if self.lengths.n:
            head["mean_length_chars"] = self.lengths.mean
        if self.usage:
            head.update(calls=total.calls, prompt_tokens=total.prompt_tokens,
                        completion_tokens=total.completion_tokens,
                        cost_usd=None if total.unpriced and not total.cost_usd else total.cost_usd,
                        saved_usd=total.saved_usd, unpriced_calls=total.unpriced, model_seconds=total.seconds)
        return head


def summarize(rows: Iterable[Row], errors: Iterable[Row] = (), rejects: Iterable[Row] = (),
              task: Task | None = None) -> RunSummary:
    summary = RunSummary()
    for row in rows:
        summary.add_row(row, task)
    for record in errors:
        summary.add_error(record)
    for record in rejects:
        summary.add_reject(record)
    return summary
