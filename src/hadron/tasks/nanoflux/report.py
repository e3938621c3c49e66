"""NanoFlux's sections of the run report: why each item was selected, and the band sweep's curve."""

from __future__ import annotations

import json
from typing import Any

from hadron.qa.sections import Figure, Section, Table, num, pct
from hadron.runtime.rundir import RunDir, read_jsonl
from hadron.tasks.nanoflux.selection import SELECTION_FILE, select_run
from hadron.tasks.nanoflux.sweep import METRICS, SWEEP_FILE, sweep_charts

SHOWN = 40
"""Selection lines shown per domain (kept first, then the best left out)."""


def selection_section(run: RunDir) -> Section | None:
    """From ``selection.jsonl`` (``hadron nanoflux``), or made from the pool when a run has none (a
    ``step: nanoflux`` under ``hadron run``): the selection is a pure function of rows and settings."""
    path = run.task_path(SELECTION_FILE)
    lines = ([located.row for located in read_jsonl(path)] if path.is_file()
             else list(select_run(run).records()))
    if not lines:
        return None
    section = Section("selection", "Selection from the pool")
    for domain in sorted({str(line["domain"]) for line in lines}):
        mine = [line for line in lines if line["domain"] == domain]
        kept = [line for line in mine if line["selected"]]
        left = [line for line in mine if not line["selected"]]
        shown = kept[:SHOWN] + left[:max(5, SHOWN - len(kept))]
        section.tables.append(Table(
            f"{domain}: {len(kept)} selected of {len(mine)} pooled",
            ["id", "kept", "pick", "rank", "skill", "hops", "criteria", "why"],
            [[str(line["id"]), "yes" if line["selected"] else "no", str(line.get("pick") or "–"),
              str(line["rank"]), str(line.get("skill") or ""), str(line.get("hops")),
              ", ".join(f"{k} {v:g}" for k, v in (line.get("criteria") or {}).items()), str(line["why"])]
             for line in shown],
            note=f"all {len(mine)} lines with reasons in {SELECTION_FILE}"))
    return section


def sweep_section(run: RunDir) -> Section | None:
    path = run.task_path(SWEEP_FILE)
    if not path.is_file():
        return None
    document: dict[str, Any] = json.loads(path.read_text())
    section = Section("sweep", "Complexity band sweep")
    for domain, figures in sweep_charts(document):
        section.figures.extend(Figure(chart.title, chart) for chart in figures)
        rows = [r for r in document.get("results", []) if r["domain"] == domain]
        section.tables.append(Table(
            f"{domain} by band", ["band", "pooled", *(label for _, label in METRICS)],
            [[str(r["band"]), num(r["pooled"]), num(r["accepted"]), pct(r["verified_rate"]),
              pct(r["defender_failure_rate"]), num(r["mean_hops"]), num(r["novelty"])] for r in rows]))
    section.notes.append("The same rounds (same ids, same seeds) run once per band; the numbers describe "
                         "each band's selected set. Quality against usefulness is non-monotonic: look for "
                         "the band where accepted, verified and failure rates peak together.")
    return section


def report_sections(run: RunDir) -> list[Any]:
    return [section for section in (selection_section(run), sweep_section(run)) if section is not None]


__all__ = ["report_sections", "selection_section", "sweep_section"]
