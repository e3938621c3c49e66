"""How every command that runs a pipeline over the user's input ends when input lines were skipped.

A malformed line does not stop the run (it becomes a record in ``RUN/errors.jsonl``), but the command
must not look clean either: after everything else is written, print the first skipped line as one
``error:`` line and exit 1.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from hadron.cli._app import err_console

if TYPE_CHECKING:
    from hadron.runtime.pipeline import RunResult
    from hadron.runtime.rundir import RunDir


def exit_if_input_skipped(result: RunResult) -> None:
    """Exit 1 naming the first malformed input line when this session skipped any; else return."""
    skipped = result.stats.input_errors
    if not skipped:
        return
    from hadron.runtime.rundir import RunDir

    run = RunDir(result.out_dir)
    err_console.print(f"error: {first_input_error(run)} ({skipped} malformed input line(s) skipped; "
                      f"all recorded in {run.errors_path})", highlight=False, soft_wrap=True)
    raise typer.Exit(1)


def first_input_error(run: RunDir) -> str:
    """The message of the run's first malformed-input record."""
    from hadron.runtime.records import SOURCE_STEP

    for record in run.records("errors"):
        if record.get("step") == SOURCE_STEP:
            return str(record.get("message"))
    return "malformed input"
