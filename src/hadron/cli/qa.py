"""``hadron qa RUN``: automatic spot checks of an agentic run (docs/qa_checklist.md lists the manual ones)."""

from __future__ import annotations

from pathlib import Path

import typer

from hadron.cli._app import app, console


@app.command("qa")
def qa_command(
    run: Path = typer.Argument(..., help="Run directory of `hadron agentic`."),
) -> None:
    """Print coverage per family and capability, reviewer scores, acceptance and discard reasons, the
    language mix and tool-call validity; the same numbers are saved as RUN/qa.json and RUN/qa.md."""
    from hadron.errors import InputError
    from hadron.tasks.agentic.spot_checks import render, write_report

    if not run.is_dir():
        raise InputError(str(run), "no such run directory")
    checks = write_report(run)
    console.print(render(checks), markup=False, highlight=False, soft_wrap=True)
