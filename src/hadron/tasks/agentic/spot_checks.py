"""Automatic spot checks of an agentic run (``hadron qa RUN``; ``docs/qa_checklist.md`` says what to look
at by hand next to them): coverage per family and capability, the reviewer's score distribution,
acceptance and discard reasons, the language mix and tool-call validity.

A capability is a tool the agent used successfully in an accepted episode: coverage shows which tools
the training data actually teaches, per family. The numbers are written to ``RUN/qa.json`` and
``RUN/qa.md`` (the run's QA report) and printed by the command.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from hadron.runtime.rundir import RunDir
from hadron.tasks.agentic.envs.base import validation_problem

BUCKETS = 10
QA_JSON = "qa.json"
QA_MD = "qa.md"


@dataclass
class SpotChecks:
    accepted: int = 0
    rejected: int = 0
    accepted_by_family: dict[str, int] = field(default_factory=dict)
    scenarios_by_family: dict[str, int] = field(default_factory=dict)
    """Distinct scenarios with at least one accepted episode."""
    capabilities: dict[str, dict[str, int]] = field(default_factory=dict)
    """family -> tool -> accepted episodes that used it successfully."""
    difficulty: dict[str, int] = field(default_factory=dict)
    scores: dict[str, int] = field(default_factory=dict)
    """Reviewer score (0-1) in tenths ("0.7-0.8") -> attempts, every attempt of every episode."""
    discard_reasons: dict[str, int] = field(default_factory=dict)
    language_rejects: int = 0
    """Episodes discarded with the language policy among the last attempt's reasons."""
    attempt_reasons: dict[str, int] = field(default_factory=dict)
    """Why refinement rounds were needed: reasons of every attempt that was not the accepted one."""
    languages: dict[str, int] = field(default_factory=dict)
    """Assistant replies by the languages found in them ("en", "en+zh", ...), accepted episodes."""
    tool_calls: int = 0
    tool_calls_valid: int = 0
    """Saved tool calls whose tool was offered and whose arguments validate against its schema."""
    tool_errors: int = 0
    """Saved tool results that were errors (a wrong id, a refused action): realistic, but worth a look."""
    dropped_calls: int = 0

    @property
    def acceptance(self) -> float:
        total = self.accepted + self.rejected
        return self.accepted / total if total else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "acceptance": round(self.acceptance, 4)}


def spot_check(run: str | Path) -> SpotChecks:
    folder = RunDir(run)
    checks = SpotChecks()
    seen: set[tuple[str, str]] = set()
    for located in folder.rows():
        _accepted(checks, located.row)
        seen.add((str(located.row.get("family") or "unknown"), str(located.row.get("scenario"))))
    for family, _ in seen:
        _count(checks.scenarios_by_family, family)
    for record in folder.records("rejects"):
        checks.rejected += 1
        reason = str(record.get("reason") or "unknown")
        _count(checks.discard_reasons, reason)
        detail = record.get("detail") or {}
        attempts = detail.get("attempts") or []
        for attempt in attempts:
            _score(checks, attempt.get("score"))
            for item in attempt.get("reasons") or []:
                _count(checks.attempt_reasons, item)
        if attempts and "language" in (attempts[-1].get("reasons") or []):
            checks.language_rejects += 1
    return checks


def _accepted(checks: SpotChecks, row: dict[str, Any]) -> None:
    family = str(row.get("family") or "unknown")
    checks.accepted += 1
    _count(checks.accepted_by_family, family)
    _count(checks.difficulty, str(row.get("difficulty") or "unknown"))
    attempts = row.get("attempts") or []
    for attempt in attempts:
        _score(checks, attempt.get("score"))
    for attempt in attempts[:-1]:
        for item in attempt.get("reasons") or []:
            _count(checks.attempt_reasons, item)
    used = {
        event.get("name")
        for event in row.get("tool_log") or []
        if event.get("valid") and not event.get("is_error")
    }
    tools = checks.capabilities.setdefault(family, {})
    for name in sorted(n for n in used if n):
        _count(tools, name)
    review = row.get("review") or {}
    for message in review.get("language") or []:
        found = sorted(lang for lang, share in (message.get("languages") or {}).items() if share >= 0.05)
        _count(checks.languages, "+".join(found) or "unknown")
    checks.dropped_calls += int(row.get("dropped_calls") or 0)
    offered = {t["function"]["name"]: t["function"].get("parameters") or {} for t in row.get("tools") or []}
    for message in row.get("messages") or []:
        if message.get("role") == "tool" and str(message.get("content", "")).startswith('{"error"'):
            checks.tool_errors += 1
        for call in message.get("tool_calls") or []:
            checks.tool_calls += 1
            checks.tool_calls_valid += _valid_call(call.get("function") or {}, offered)


def _valid_call(function: dict[str, Any], offered: dict[str, dict[str, Any]]) -> bool:
    name = function.get("name")
    if name not in offered:
        return False
    try:
        arguments = json.loads(function.get("arguments") or "{}")
    except (TypeError, json.JSONDecodeError):
        return False
    return isinstance(arguments, dict) and validation_problem(offered[name], arguments) is None


def _score(checks: SpotChecks, score: Any) -> None:
    if isinstance(score, int | float):
        low = min(int(score * BUCKETS), BUCKETS - 1) / BUCKETS
        _count(checks.scores, f"{low:.1f}-{low + 1 / BUCKETS:.1f}")


def _count(table: dict[str, int], key: str) -> None:
    table[key] = table.get(key, 0) + 1


def render(checks: SpotChecks) -> str:
    """The spot checks as Markdown (printed by ``hadron qa`` and saved as ``RUN/qa.md``)."""
    lines = [
        "# Agentic run: automatic spot checks",
        "",
        f"- episodes accepted: {checks.accepted}, discarded: {checks.rejected} "
        f"(acceptance {checks.acceptance:.0%})",
        f"- discarded for language: {checks.language_rejects}",
        f"- saved tool calls valid: {checks.tool_calls_valid}/{checks.tool_calls}"
        f" (dropped before saving: {checks.dropped_calls}; error results kept: {checks.tool_errors})",
        "",
        "## Coverage per family and capability",
        "",
        "| family | accepted | scenarios | capabilities (tool: episodes) |",
        "|---|---|---|---|",
    ]
    for family, count in sorted(checks.accepted_by_family.items()):
        tools = ", ".join(f"{t}: {n}" for t, n in sorted(checks.capabilities.get(family, {}).items()))
        lines.append(f"| {family} | {count} | {checks.scenarios_by_family.get(family, 0)} | {tools or '-'} |")
    sections = [
        ("Reviewer score distribution (every attempt)", checks.scores),
        ("Discard reasons (last attempt)", checks.discard_reasons),
        ("Reasons attempts were sent back", checks.attempt_reasons),
        ("Language mix (assistant replies of accepted episodes)", checks.languages),
        ("Difficulty (accepted)", checks.difficulty),
    ]
    for title, table in sections:
        lines += ["", f"## {title}", ""]
        lines += [f"- {key}: {value}" for key, value in sorted(table.items())] or ["- (none)"]
    return "\n".join(lines) + "\n"


def write_report(run: str | Path) -> SpotChecks:
    """Compute the spot checks and save them as ``RUN/qa.json`` and ``RUN/qa.md``."""
    checks = spot_check(run)
    folder = Path(run)
    (folder / QA_JSON).write_text(json.dumps(checks.to_dict(), indent=2, ensure_ascii=False) + "\n")
    (folder / QA_MD).write_text(render(checks), encoding="utf-8")
    return checks


__all__ = ["QA_JSON", "QA_MD", "SpotChecks", "render", "spot_check", "write_report"]
