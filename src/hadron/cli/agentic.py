"""``hadron agentic``: distill tool-use traces from executed scenarios, reviewed and refined."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from hadron.cli._app import app, console
from hadron.cli._report import exit_if_failed
from hadron.cli._run_options import cache_option, parse_workers, workers_option

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
    workers: str = workers_option(),
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
                    cache=cache, workers=parse_workers(workers))
    )
    _print(summary)
    exit_if_failed(summary.errors)


def _settings(path: Path | None, **flags: Any) -> AgenticRunConfig:
    """The config file (if any) with command-line flags on top, validated together (so the embedded
    model's caps follow the teacher finally chosen)."""
    from hadron.core.config import validate
    from hadron.tasks.agentic.run import AgenticRunConfig, load_run_config

    overrides: dict[str, Any] = {
        key: flags[key]
        for key in ("scenarios", "episodes", "teacher", "reviewer", "concurrency")
        if flags[key] is not None
    }
    if flags["max_turns"] is not None:
        overrides["loop"] = {"max_turns": flags["max_turns"]}
    if flags["review"] is not None:
        overrides["review"] = {"enabled": flags["review"]}
    if path is not None:
        return load_run_config(path, **overrides)
    return validate(AgenticRunConfig, overrides, indices="dots")


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
    console.print(f"rejected for language: {summary.language_rejects}")
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
    if summary.family_exports:
        shards = ", ".join(f"{family}={n}" for family, n in sorted(summary.family_exports.items()))
        console.print(f"per-family shards (exports/<family>/shard-00000.jsonl): {shards}")
    from hadron.tasks.agentic.spot_checks import QA_MD

    console.print(f"spot checks: {summary.out_dir / QA_MD} (hadron qa {summary.out_dir})")
