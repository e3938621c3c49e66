"""``hadron autoreason PROMPTS --out DIR``: refine every prompt by tournament, export, summarize.

The same job as a YAML pipeline is ``examples/autoreason.yaml`` (``hadron run``). Run the command
again to resume: answered calls replay from ``DIR/cache.sqlite``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from hadron.cli._app import app, console, err_console, read_settings
from hadron.cli._report import exit_for_rows
from hadron.cli._run_options import cache_option, parse_workers, retry_errors_option, workers_option
from hadron.cli._source import SourceFlags, source_options
from hadron.llm.accounting import cost_text
from hadron.llm.backends.local import SMALL_MODEL_MAX_PASSES, SMALL_MODEL_MAX_TOKENS

if TYPE_CHECKING:
    from hadron.tasks.autoreason.config import AutoReasonConfig
    from hadron.tasks.autoreason.summary import RunSummary



@app.command()
@source_options
def autoreason(
    prompts: str = typer.Argument(..., help="Prompts: JSONL, CSV, Parquet, text (one per line), or hf://."),
    out: Path = typer.Option(..., "--out", "-o", help="Run directory (resume by running the same command)."),
    model: str | None = typer.Option(None, "--model", "-m",
                                     help="Model for every role: local (embedded, default), "
                                          "openai:MODEL, http://HOST/v1#MODEL, ..."),
    judges: int | None = typer.Option(None, "--judges", min=1, help="Judges per pass (default 3)."),
    synthesis: str | None = typer.Option(None, "--synthesis", help="merge (default) or minimal_repair."),
    max_passes: int | None = typer.Option(None, "--max-passes", min=0,
                                          help=f"Pass cap (default 15; {SMALL_MODEL_MAX_PASSES} with the "
                                               "local model)."),
    max_tokens: int | None = typer.Option(None, "--max-tokens", min=1,
                                          help="Answer cap for teacher, critic, author B and synthesizer "
                                               f"(default {SMALL_MODEL_MAX_TOKENS} with the local model)."),
    config: Path | None = typer.Option(None, "--config", "-c",
                                       help="YAML with AutoReason settings (roles, judges, variants)."),
    source: SourceFlags = SourceFlags(),
    cache: Path | None = cache_option(),
    retry_errors: bool = retry_errors_option(),
    workers: str = workers_option(),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Plain progress lines instead of a bar."),
) -> None:
    """Refine each prompt with the AutoReason tournament; write the dataset, exports and a summary."""
    import asyncio

    from hadron.runtime.rundir import RunDir
    from hadron.runtime.task import RunRequest
    from hadron.tasks.autoreason.run import SUMMARY_FILE, run_autoreason

    settings = build_config(config, model=model, judges=judges, synthesis=synthesis, max_passes=max_passes,
                            max_tokens=max_tokens)
    command = f"hadron autoreason {prompts} --out {out}"
    request = RunRequest(settings, out, source=source.apply(prompts), progress="quiet" if quiet else "auto",
                         retry_errors=retry_errors, cache=cache, workers=parse_workers(workers))
    try:
        done = asyncio.run(run_autoreason(request))
    except KeyboardInterrupt:
        err_console.print(f"interrupted; rerun the same command to resume: {command}", highlight=False)
        raise typer.Exit(130) from None
    manifest, result, run = done.run.manifest, done.run, RunDir(out)
    if done.exports:
        from hadron.runtime.export import describe

        console.print(f"exports in {run.exports_dir}: {describe(done.exports)}", highlight=False)
    print_summary(done.summary)
    console.print(f"{manifest.rows} rows in {run.data_dir}; summary in {out / SUMMARY_FILE}",
                  highlight=False)
    if manifest.errors:
        err_console.print(f"{manifest.errors} rows failed (see {run.errors_path}); redo them with: "
                          f"{command} --retry-errors", highlight=False)
    for line in done.summary.warnings():
        err_console.print(line, style="bold yellow", highlight=False, markup=False)
    exit_for_rows(result)


def build_config(path: Path | None, *, model: str | None, judges: int | None, synthesis: str | None,
                 max_passes: int | None, max_tokens: int | None) -> AutoReasonConfig:
    """The file's settings, then the flags; what is still unset takes the serving backend's defaults
    (``AutoReasonConfig``; the embedded model gets short answers and a lower pass cap)."""
    from hadron.core.config import validate
    from hadron.tasks.autoreason.config import AutoReasonConfig

    doc = read_settings(path, "AutoReason") if path is not None else None
    data: dict[str, Any] = doc.data if doc is not None else {}
    flags = {"model": model, "n_judges": judges, "synthesis": synthesis, "max_passes": max_passes}
    data.update({key: value for key, value in flags.items() if value is not None})
    settings = validate(AutoReasonConfig, data, doc)
    if max_tokens is not None:
        for name in ("teacher", "critic", "author_b", "synthesizer"):
            getattr(settings, name).max_tokens = max_tokens
    return settings


def print_summary(summary: RunSummary) -> None:
    from rich.table import Table

    table = Table(title="AutoReason", show_header=False, title_justify="left")
    table.add_column("what", style="bold")
    table.add_column("value")
    table.add_row("rows done / failed", f"{summary.rows} / {summary.failed}")
    table.add_row("converged", f"{summary.converged} ({summary.converged_share:.0%})")
    table.add_row("passes (mean)", f"{summary.passes} ({summary.passes_mean:.1f})")
    promoted = summary.promotions
    table.add_row("promotions B / AB", f"{promoted.get('B', 0)} / {promoted.get('AB', 0)}")
    finals = ", ".join(f"{k} {v}" for k, v in sorted(summary.final_sources.items()))
    table.add_row("final text from", finals or "-")
    table.add_row("ballots valid first ask", f"{summary.valid_first_ask}/{summary.ballots} "
                                             f"({summary.first_ask_share:.1%})")
    table.add_row("ballots valid after re-asks", f"{summary.valid_after_reasks}/{summary.ballots} "
                                                 f"({summary.after_reasks_share:.1%})")
    table.add_row("void passes / short-circuits", f"{summary.void_passes} / {summary.short_circuits}")
    table.add_row("truncated final texts", f"{summary.truncated}")
    for model, bias in summary.meter.models.items():
        if model != "all" or len(summary.meter.models) > 2:
            table.add_row(f"first-shown ranked first ({model})", bias.describe())
    swap = summary.consistency
    if swap.asked:
        calls = summary.usage.get("judge_swap")
        cost = f"; {calls.calls} calls, ${calls.cost_usd:.4f}" if calls is not None else ""
        table.add_row("consistency re-asks (order reversed)",
                      f"{swap.agreed}/{swap.asked} agreed, {swap.disagreed} void (disagreed), "
                      f"{swap.unreadable} void (unreadable){cost}")
    console.print(table)
    usage = Table(title="calls by role", title_justify="left")
    for column in ("role", "calls", "cached", "re-asks", "truncated", "tokens in", "tokens out", "cost $",
                   "saved $", "seconds"):
        usage.add_column(column, justify="left" if column == "role" else "right")
    for role, tally in summary.usage.items():
        usage.add_row(role, str(tally.calls), str(tally.cache_hits), str(tally.reasks), str(tally.truncated),
                      str(tally.prompt_tokens), str(tally.completion_tokens),
                      cost_text(tally.cost_usd, tally.unpriced), cost_text(tally.saved_usd, tally.unpriced),
                      f"{tally.seconds:.1f}")
    console.print(usage)
