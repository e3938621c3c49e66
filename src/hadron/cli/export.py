"""``hadron export RUN --format ...``: write a finished run's training-data exports and show the counts."""

from __future__ import annotations

from pathlib import Path

import typer

from hadron.cli._app import app, console
from hadron.data.exports.registry import ALL, FORMATS

FORMAT_HELP = f"{', '.join(FORMATS)} or {ALL}; repeat the option or separate with commas."


@app.command("export")
def export(
    run: Path = typer.Argument(..., help="The run directory (holds data/part-*.jsonl or .parquet)."),
    formats: list[str] = typer.Option(["all"], "--format", "-f", help=FORMAT_HELP),
    out: Path | None = typer.Option(None, "--out", "-o", help="Where to write (default: RUN/exports)."),
    min_margin: int = typer.Option(
        1, "--min-margin", min=0,
        help="Fewest Borda points by which a chosen text must beat the rejected one (default 1: ties "
             "are not exported as preferences)."),
    pairs: str = typer.Option(
        "best-vs-rest", "--pairs",
        help="Preference pairs: best-vs-rest (the pass winner against each other candidate) or all "
             "(every candidate pair ordered by Borda points)."),
    include_truncated: bool = typer.Option(
        False, "--include-truncated",
        help="Keep texts cut by the token limit (finish_reason=length); left out by default."),
) -> None:
    """Export SFT / DPO / CoT / critic training data from a finished run."""
    from rich.table import Table

    from hadron.data.exports.options import PAIRS_MODES, ExportOptions
    from hadron.errors import ConfigError
    from hadron.runtime.export import export_run

    if pairs not in PAIRS_MODES:
        raise ConfigError(f"--pairs: unknown mode {pairs!r}", hint=f"choose from {', '.join(PAIRS_MODES)}")
    options = ExportOptions(min_margin=min_margin, pairs=pairs,
                            include_truncated=include_truncated)
    stats = export_run(run, formats, out, options)
    table = Table(title=f"exports of {run}", title_justify="left")
    table.add_column("format")
    table.add_column("file")
    table.add_column("written", justify="right")
    table.add_column("skipped")
    for name, result in stats.items():
        skipped = ", ".join(f"{reason}={count}" for reason, count in sorted(result.skipped.items()))
        where = str(result.path) if result.has_file else "no file: no records"
        table.add_row(name, where, str(result.written), skipped or "-")
    console.print(table)
