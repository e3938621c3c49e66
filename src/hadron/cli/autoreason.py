"""``hadron autoreason PROMPTS --out DIR``: refine every prompt by tournament, export, summarize.

The same job as a YAML pipeline is ``examples/autoreason.yaml`` (``hadron run``). Run the command
again to resume: answered calls replay from ``DIR/cache.sqlite``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from hadron.cli._app import app, console, err_console, read_settings
from hadron.cli._report import exit_if_input_skipped
from hadron.errors import ConfigError
from hadron.llm.accounting import cost_text

if TYPE_CHECKING:
    from hadron.tasks.autoreason.config import AutoReasonConfig
    from hadron.tasks.autoreason.summary import RunSummary

SMALL_MODEL_MAX_TOKENS = 128
"""Per-role answer cap for the embedded 135M model (it rambles past this); judges need less."""
SMALL_MODEL_JUDGE_MAX_TOKENS = 96
SMALL_MODEL_MAX_PASSES = 3
"""On 2 cores the embedded model takes ~2.5 s a call (judges read ~550 prompt tokens each) and its
judges rank by position, so a tournament averages ~7.6 passes under the paper's cap of 15; 3 passes
(at most 19 calls a prompt) keep the bundled demo under 10 minutes. Any other model keeps the paper's
15."""


@app.command()
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
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Plain progress lines instead of a bar."),
) -> None:
    """Refine each prompt with the AutoReason tournament; write the dataset, exports and a summary."""
    import asyncio
    import json

    from hadron.data.exports import export_run
    from hadron.data.exports.shards import find_shards, iter_rows
    from hadron.data.sources import SourceConfig
    from hadron.runtime.pipeline import Pipeline
    from hadron.tasks.autoreason.step import AutoReason
    from hadron.tasks.autoreason.summary import summarize

    settings = build_config(config, model=model, judges=judges, synthesis=synthesis, max_passes=max_passes,
                            max_tokens=max_tokens)
    step = AutoReason("autoreason", **settings.model_dump())
    pipeline = Pipeline(source=SourceConfig(path=prompts), steps=[step])
    command = f"hadron autoreason {prompts} --out {out}"
    try:
        result = asyncio.run(pipeline.run(out, progress="quiet" if quiet else "auto"))
    except KeyboardInterrupt:
        err_console.print(f"interrupted; rerun the same command to resume: {command}", highlight=False)
        raise typer.Exit(130) from None
    manifest = result.manifest
    summary = summarize((located.row for located in iter_rows(find_shards(out))), failed=manifest.errors) \
        if manifest.rows else summarize([], failed=manifest.errors)
    (out / "autoreason_summary.json").write_text(json.dumps(summary.to_json(), indent=2) + "\n",
                                                 encoding="utf-8")
    if manifest.rows:
        exported = export_run(out)
        written = ", ".join(f"{name} {stats.written}" for name, stats in exported.items())
        console.print(f"exports in {out / 'exports'}: {written}", highlight=False)
    print_summary(summary)
    console.print(f"{manifest.rows} rows in {out / 'data'}; summary in {out / 'autoreason_summary.json'}",
                  highlight=False)
    if manifest.errors:
        err_console.print(f"{manifest.errors} rows failed (see {out}/errors.jsonl); redo them with: "
                          f"hadron run {out}/config.yaml --out {out} --retry-errors", highlight=False)
    exit_if_input_skipped(result)


def build_config(path: Path | None, *, model: str | None, judges: int | None, synthesis: str | None,
                 max_passes: int | None, max_tokens: int | None) -> AutoReasonConfig:
    """The file's settings, then the flags; the embedded model gets short answers and a lower pass cap
    unless told otherwise."""
    from pydantic import ValidationError

    from hadron.tasks.autoreason.config import AutoReasonConfig

    data: dict[str, Any] = read_settings(path, "AutoReason") if path is not None else {}
    flags = {"model": model, "n_judges": judges, "synthesis": synthesis, "max_passes": max_passes}
    data.update({key: value for key, value in flags.items() if value is not None})
    try:
        settings = AutoReasonConfig.model_validate(data)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise ConfigError(f"{path or 'options'}: {where}: {first['msg']}") from None
    small = isinstance(settings.model, str) and settings.model.startswith("local")
    if small and "max_passes" not in settings.model_fields_set:
        settings.max_passes = SMALL_MODEL_MAX_PASSES
    for name in ("teacher", "critic", "author_b", "synthesizer", "judge"):
        role = getattr(settings, name)
        if max_tokens is not None and name != "judge":
            role.max_tokens = max_tokens
        elif small and "max_tokens" not in role.model_fields_set:
            role.max_tokens = SMALL_MODEL_JUDGE_MAX_TOKENS if name == "judge" else SMALL_MODEL_MAX_TOKENS
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
