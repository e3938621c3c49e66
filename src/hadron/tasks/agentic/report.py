"""The agentic task's section of the run report: the same spot checks ``hadron qa RUN`` prints
(``spot_checks.py``), so the HTML report and ``RUN/qa.md`` show one set of numbers."""

from __future__ import annotations

from typing import Any

from hadron.qa.sections import Section, Table, pct
from hadron.runtime.rundir import RunDir
from hadron.tasks.agentic.spot_checks import SpotChecks, spot_check


def _counts(title: str, table: dict[str, int]) -> Table:
    return Table(title, ["value", "count"], [[key, str(value)] for key, value in sorted(table.items())])


def spot_check_section(checks: SpotChecks) -> Section:
    section = Section("spot-checks", "Spot checks (hadron qa)")
    columns = ["accepted", "discarded", "acceptance", "discarded for language", "tool calls valid",
               "dropped calls", "tool error results"]
    values = [str(checks.accepted), str(checks.rejected), pct(checks.acceptance),
              str(checks.language_rejects), f"{checks.tool_calls_valid}/{checks.tool_calls}",
              str(checks.dropped_calls), str(checks.tool_errors)]
    section.tables.append(Table("episodes", columns, [values]))
    section.tables.append(Table(
        "coverage per family and capability", ["family", "accepted", "scenarios", "capabilities"],
        [[family, str(count), str(checks.scenarios_by_family.get(family, 0)),
          ", ".join(f"{tool}: {n}" for tool, n in sorted(checks.capabilities.get(family, {}).items())) or "–"]
         for family, count in sorted(checks.accepted_by_family.items())]))
    for title, table in (("reviewer score distribution (every attempt)", checks.scores),
                         ("discard reasons (last attempt)", checks.discard_reasons),
                         ("reasons attempts were sent back", checks.attempt_reasons),
                         ("language mix (assistant replies of accepted episodes)", checks.languages),
                         ("difficulty (accepted)", checks.difficulty)):
        if table:
            section.tables.append(_counts(title, table))
    section.notes.append("The same numbers as RUN/qa.md; docs/qa_checklist.md says what to check by hand.")
    return section


def report_sections(run: RunDir) -> list[Any]:
    return [spot_check_section(spot_check(run.path))]


__all__ = ["report_sections", "spot_check_section"]
