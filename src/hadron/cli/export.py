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
) -> None:
    """Export SFT / DPO / CoT / critic training data from a finished run."""
    from rich.table import Table

    from hadron.runtime.export import export_run

    stats = export_run(run, formats, out)
    table = Table(title=f"exports of {run}", title_justify="left")
    table.add_column("format")
    table.add_column("file")
    table.add_column("written", justify="right")
    table.add_column("skipped")
    for name, result in stats.items():
        skipped = ", ".join(f"{reason}={count}" for reason, count in sorted(result.skipped.items()))
        table.add_row(name, str(result.path), str(result.written), skipped or "-")
    console.print(table)
