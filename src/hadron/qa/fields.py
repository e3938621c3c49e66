"""Find the common things in a row whatever task wrote it: its text, prompt, category, tool calls.

Tasks name their columns differently (AutoReason ``generation``, agentic ``messages``, NanoFlux
``question``/``domain``); each lookup tries the known names in order and returns None when none fits,
so every caller degrades instead of failing. What a row *is* (a tournament, a conversation) is not
guessed here: its task says so (``view_of``, ``skipped_columns`` ask the task registry).
"""

from __future__ import annotations

from typing import Any

from hadron.runtime.task import Task, task_of_row

Row = dict[str, Any]

TEXT_FIELDS = ("generation", "response", "completion", "output", "text")
PROMPT_FIELDS = ("prompt", "question", "instruction", "input", "goal", "query")
CATEGORY_FIELDS = ("category", "domain", "family", "scenario_family", "skill", "scenario", "task_type",
                   "difficulty", "language", "source", "split")
REFERENCE_FIELDS = ("reference", "reference_answer", "gold", "gold_answer", "expected", "target",
                    "label")
AGENT_ROLES = ("assistant",)
TEXT_COLUMNS = frozenset({"id", "prompt", "generation", "method", "usage", "settings", "models", "messages",
                          "tools"})
"""Columns of any row that QA never breaks down as categories or numbers (a task adds its own)."""


def as_dict(value: Any) -> dict[str, Any]:
    """``value`` if it is a dict, else an empty one (for optional nested columns)."""
    return value if isinstance(value, dict) else {}


def _as_text(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, list):  # OpenAI content parts
        parts = [p.get("text", "") for p in value if isinstance(p, dict)]
        return "".join(parts) if parts else None
    return None


def messages_of(row: Row) -> list[dict[str, Any]]:
    """The row's chat messages (``messages`` or ShareGPT-style ``conversations``), else []."""
    for key in ("messages", "conversation", "conversations"):
        value = row.get(key)
        if isinstance(value, list) and all(isinstance(m, dict) for m in value):
            return value
    return []


def text_of(row: Row, field: str | None = None) -> str | None:
    """The row's answer text: ``field`` if given, else the first known text column, else the last
    assistant message."""
    if field is not None:
        return _as_text(row.get(field))
    for key in TEXT_FIELDS:
        text = _as_text(row.get(key))
        if text is not None:
            return text
    for message in reversed(messages_of(row)):
        if message.get("role") in AGENT_ROLES:
            text = _as_text(message.get("content"))
            if text:
                return text
    return None


def prompt_of(row: Row, field: str | None = None) -> str | None:
    """The row's prompt: ``field`` if given, else the first known prompt column, else the first user
    message."""
    if field is not None:
        return _as_text(row.get(field))
    for key in PROMPT_FIELDS:
        text = _as_text(row.get(key))
        if text is not None:
            return text
    for message in messages_of(row):
        if message.get("role") == "user":
            return _as_text(message.get("content"))
    return None


def category_of(row: Row, field: str | None = None) -> str | None:
    """A short label to break results down by (category, domain, scenario family, ...)."""
    keys = (field,) if field else CATEGORY_FIELDS
    for key in keys:
        value = row.get(key)
        if isinstance(value, str | int | bool) and not isinstance(value, float) and str(value).strip():
            return str(value)
    return None


def reference_of(row: Row, field: str | None = None) -> str | None:
    """A reference answer for verifiable checks, as text (numbers are stringified)."""
    keys = (field,) if field else REFERENCE_FIELDS
    for key in keys:
        value = row.get(key)
        if isinstance(value, bool):
            return str(value).lower()
        if isinstance(value, int | float | str) and str(value).strip():
            return str(value)
    return None


def tool_calls_of(row: Row) -> list[dict[str, Any]]:
    """Every tool call the assistant made, in order (OpenAI form)."""
    calls: list[dict[str, Any]] = []
    for message in messages_of(row):
        for call in message.get("tool_calls") or ():
            if isinstance(call, dict):
                calls.append(call)
    return calls


def tool_name(call: dict[str, Any]) -> str:
    function = call.get("function")
    if isinstance(function, dict) and function.get("name"):
        return str(function["name"])
    return str(call.get("name") or "?")


def view_of(row: Row, run_task: Task | None = None) -> str:
    """How the report shows the row: its task's ``report_view`` (the row's ``method``, else the run's
    task); a row no task claims is a conversation if it holds one, else plain."""
    task = task_of_row(row, run_task)
    if task is not None:
        return task.report_view
    return "agentic" if messages_of(row) else "plain"


def skipped_columns(row: Row, run_task: Task | None = None) -> frozenset[str]:
    """Columns not to chart for this row: ``TEXT_COLUMNS`` and its task's ``text_columns``."""
    task = task_of_row(row, run_task)
    return TEXT_COLUMNS | task.text_columns if task is not None else TEXT_COLUMNS
