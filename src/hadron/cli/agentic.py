"""``hadron agentic``: distill tool-use traces from executed scenarios, reviewed and refined."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from hadron.cli._app import app, console
from hadron.cli._report import exit_if_failed
from hadron.cli._run_options import cache_option

if TYPE_CHECKING:
    from hadron.tasks.agentic.run import AgenticRunConfig, RunSummary


@app.command("agentic")
def agentic_command(
    scenarios: str | None = typer.Option(
        None,
        "--scenarios",
        "-s",
        metavar="DIR_OR_FAMILY",
        help="Scenario file or folder, a family (terminal, telecom, orders) or all.",
    ),
    episodes: int | None = typer.Option(
        None,
        "--episodes",
        "-n",
        min=1,
        help="Episodes in all, shared by scenario weight (default: each scenario's target_count).",
    ),
    teacher: str | None = typer.Option(None, "--teacher", help="Teacher model spec (default: local)."),
    reviewer: str | None = typer.Option(None, "--reviewer", help="Reviewer model spec (default: local)."),
    out: Path = typer.Option(..., "--out", "-o", help="Run directory (rerun the command to resume)."),
    config: Path | None = typer.Option(
        None, "--config", "-c", help="YAML config: pools, review flow, loop, concurrency."
    ),
    concurrency: int | None = typer.Option(None, "--concurrency", min=1, help="Episodes in flight."),
    max_turns: int | None = typer.Option(None, "--max-turns", min=1, help="Assistant turns per episode."),
    review: bool | None = typer.Option(None, "--review/--no-review", help="Review and refine episodes."),
    retry_errors: bool = typer.Option(
        False, "--retry-errors", help="Re-run only the episodes whose model calls failed last time."
    ),
    cache: Path | None = cache_option(),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="Show a progress bar."),
) -> None:
    """Run scenarios against executed tools, review the episodes, and save training conversations."""
    import asyncio

    from hadron.tasks.agentic.run import run_agentic

    settings = _settings(
        config,
        scenarios=scenarios,
        episodes=episodes,
        teacher=teacher,
        reviewer=reviewer,
        concurrency=concurrency,
        max_turns=max_turns,
        review=review,
    )
    summary = asyncio.run(
        run_agentic(settings, out, progress="auto" if progress else "off", retry_errors=retry_errors,
                    cache=cache)
    )
    _print(summary)
    exit_if_failed(summary.errors)


def _settings(path: Path | None, **flags: Any) -> AgenticRunConfig:
    """The config file (if any) with command-line flags on top."""
    from hadron.core.config import validate
    from hadron.tasks.agentic.run import AgenticRunConfig, load_run_config

    base = load_run_config(path) if path is not None else AgenticRunConfig()
    data = base.model_dump()
    for key in ("scenarios", "episodes", "teacher", "reviewer", "concurrency"):
        if flags[key] is not None:
            data[key] = flags[key]
    if flags["max_turns"] is not None:
        data["loop"]["max_turns"] = flags["max_turns"]
    if flags["review"] is not None:
        data["review"]["enabled"] = flags["review"]
    return validate(AgenticRunConfig, data, indices="dots")


def _print(summary: RunSummary) -> None:
    from rich.table import Table

    from hadron.runtime.rundir import RunDir

    rejected = sum(summary.rejected.values())
    console.print(
        f"[bold]agentic[/]: {summary.rows} episodes saved of {summary.planned} planned "
        f"({summary.success} pass their success checks), {rejected} rejected, {summary.errors} errors"
    )
    if summary.rejected:
        reasons = ", ".join(f"{reason}={count}" for reason, count in sorted(summary.rejected.items()))
        console.print(f"rejected by reason: {reasons} (see {RunDir(summary.out_dir).rejects_path})")
    if summary.served_by:
        console.print("served by: " + ", ".join(f"{m}={n}" for m, n in summary.served_by.most_common()))
    if summary.exports:
        table = Table(title="exports", title_justify="left")
        table.add_column("format")
        table.add_column("file")
        table.add_column("written", justify="right")
        for name, stats in summary.exports.items():
            table.add_row(name, str(stats.path), str(stats.written))
        console.print(table)
