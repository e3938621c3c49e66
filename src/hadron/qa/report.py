"""``hadron report``: one self-contained HTML file for a run (no CDN, styles and script inlined).

Charts are inline SVG drawn server-side (they render with scripts off). The sample browser embeds a
seeded sample of rows as JSON in a ``<script type="application/json">`` and a small inlined script
shows one at a time: A / B / AB with the critique and every ballot for tournament rows, a tool-call
timeline for agentic rows, and the plain fields otherwise. All row text is escaped: by Jinja's
autoescape in HTML and by ``\\u003c``-escaping inside the JSON block.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
import yaml
from markupsafe import Markup

from hadron.llm.accounting import Tally
from hadron.qa import fields as rf
from hadron.qa import sections
from hadron.qa.fields import as_dict
from hadron.qa.rundir import RunDir
from hadron.qa.stats import RunSummary
from hadron.redact import redact as redact_secrets
from hadron.runtime.task import Task, task_of_run

DEFAULT_SAMPLES = 200
MAX_TEXT = 20_000
SECRET_KEY = re.compile(r"(api_?key|token|secret|password|authorization)$", re.IGNORECASE)


@dataclass(slots=True)
class Sampler:
    """A seeded reservoir of at most ``size`` rows, returned in their original order."""

    size: int
    seed: int = 0
    seen: int = 0
    kept: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    _rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def offer(self, row: dict[str, Any]) -> None:
        if self.size <= 0:
            return
        if len(self.kept) < self.size:
            self.kept.append((self.seen, row))
        else:
            slot = self._rng.randrange(self.seen + 1)
            if slot < self.size:
                self.kept[slot] = (self.seen, row)
        self.seen += 1

    def rows(self) -> list[dict[str, Any]]:
        return [row for _, row in sorted(self.kept, key=lambda pair: pair[0])]


def collect(run: RunDir, *, samples: int = DEFAULT_SAMPLES,
            seed: int = 0) -> tuple[RunSummary, list[dict[str, Any]]]:
    """One pass over the run: the summary and a seeded sample of rows for the browser."""
    summary = RunSummary()
    sampler = Sampler(samples, seed)
    task = task_of_run(run.config)
    for row in run.iter_rows():
        summary.add_row(row, task)
        sampler.offer(row)
    for record in run.iter_log("errors"):
        summary.add_error(record)
    for record in run.iter_log("rejects"):
        summary.add_reject(record)
    for role, record in as_dict(run.distill.get("usage")).items():
        summary.usage[role] = summary.usage.get(role, Tally()) + Tally.from_dict(as_dict(record))
    if not sampler.kept:
        for candidate in run.iter_candidates():
            sampler.offer(candidate)
    return summary, sampler.rows()


def _clip(value: Any) -> Any:
    """Shorten very long strings anywhere in a row so one row cannot bloat the page."""
    if isinstance(value, str):
        if len(value) <= MAX_TEXT:
            return value
        return value[:MAX_TEXT] + f"… [{len(value) - MAX_TEXT} more chars]"
    if isinstance(value, list):
        return [_clip(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _clip(v) for k, v in value.items()}
    return value


def sample_view(row: dict[str, Any], task: Task | None = None) -> dict[str, Any]:
    """A row as the browser script expects it: the row itself plus which view to use (its task's)."""
    view = rf.view_of(row, task)
    prompt = rf.prompt_of(row) or ""
    label = f"{row.get('id', '?')} · {row.get('method') or row.get('family') or row.get('domain') or view}"
    return {"view": view, "label": f"{label} · {' '.join(prompt.split())[:70]}", "row": _clip(row)}


def embed_json(value: Any) -> Markup:
    """JSON safe inside ``<script type="application/json">``: no ``<``, ``>`` or ``&`` survive raw."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def redact(value: Any) -> Any:
    """Mask values under secret-looking keys (configs name env vars, but be safe)."""
    if isinstance(value, dict):
        return {k: "***" if SECRET_KEY.search(str(k)) and isinstance(v, str) and not str(k).endswith("_env")
                else redact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v) for v in value]
    return value


def _asset(name: str) -> str:
    return resources.files("hadron.qa").joinpath("templates", name).read_text(encoding="utf-8")


def environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("hadron.qa", "templates"),
                             autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True,
                             lstrip_blocks=True)
    env.filters["num"] = sections.num
    env.filters["pct"] = sections.pct
    return env


def headline_cards(summary: RunSummary) -> list[tuple[str, str]]:
    head = summary.headline()
    cards = [("rows done", sections.num(head["rows"])), ("failed", sections.num(head["failed"])),
             ("rejected", sections.num(head["rejected"]))]
    labels = {"converged_rate": ("converged", sections.pct), "mean_passes": ("mean passes", sections.num),
              "draft_kept_rate": ("draft kept", sections.pct),
              "valid_ballot_rate": ("valid ballots", sections.pct),
              "first_shown_rate": ("judges chose the first shown", sections.pct),
              "mean_tool_calls": ("tool calls / episode", sections.num),
              "mean_length_chars": ("mean length (chars)", sections.num),
              "calls": ("model calls", sections.num)}
    for key, (label, fmt) in labels.items():
        if head.get(key) is not None:
            cards.append((label, fmt(head[key])))
    if "cost_usd" in head:
        cards.append(("tokens", sections.num(head["prompt_tokens"] + head["completion_tokens"])))
        cards.append(("cost", sections.usd(head["cost_usd"] or 0.0, head["unpriced_calls"])))
        if head["saved_usd"]:
            cards.append(("saved by the cache", sections.usd(head["saved_usd"], 0)))
    return cards


def render_report(run: RunDir, *, samples: int = DEFAULT_SAMPLES, seed: int = 0) -> str:
    summary, sampled = collect(run, samples=samples, seed=seed)
    built = [sections.outcome_section(summary), *(s for t in summary.task_stats() for s in t.sections()),
             sections.coverage_section(summary), sections.scores_section(summary),
             sections.agentic_section(summary), sections.usage_section(summary),
             sections.eval_section(run.evaluation),
             sections.distill_section(run.distill, list(run.iter_candidates())),
             sections.runtime_section(run.stats)]
    task = task_of_run(run.config)
    if task is not None and task.report_sections is not None:
        built.extend(task.report_sections(run))
    views = [sample_view(row, task) for row in sampled]
    config_text = (yaml.safe_dump(redact(run.config), sort_keys=False, allow_unicode=True)
                   if run.config else "")
    manifest = run.manifest
    context = {
        "title": run.name,
        "path": str(run.path),
        "task": run.config.get("task") or ", ".join(sorted(summary.methods))
                or ("distill" if run.distill else ""),
        "generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "manifest": {k: manifest[k] for k in ("hadron_version", "created", "config_hash") if k in manifest},
        "cards": headline_cards(summary),
        "sections": [s for s in built if s is not None],
        "samples": views,
        "samples_json": embed_json(views),
        "sample_note": (f"{len(views)} of {sections.num(summary.rows)} rows (seeded sample)"
                        if summary.rows > len(views) else f"all {len(views)} rows"),
        "config_text": config_text,
        "css": Markup(_asset("report.css")),
        "script": Markup(_asset("report.js").replace("</", "<\\/")),
    }
    return environment().get_template("report.html.j2").render(**context)


def write_report(run_dir: str | Path, out: str | Path | None = None, *, samples: int = DEFAULT_SAMPLES,
                 seed: int = 0) -> Path:
    """Render the report for ``run_dir`` to ``out`` (default ``RUN/report.html``), atomically."""
    run = RunDir.open(run_dir)
    path = Path(out) if out is not None else run.path / "report.html"
    html = render_report(run, samples=samples, seed=seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(redact_secrets(html), encoding="utf-8")
    tmp.replace(path)
    return path
