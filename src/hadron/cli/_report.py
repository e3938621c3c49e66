"""How every command that runs rows ends: the exit code scripts read, the same for every command.

- 0: every input row is done (rows rejected by design count as done);
- 1: some rows are in ``RUN/errors.jsonl`` (failed calls, or malformed input lines that were skipped);
  the summary is printed first, and a skipped line is named as one ``error:`` line;
  a command with no rows to record (distill, chat) exits 1 when a model call fails after its retries
  (``hadron.cli.main`` turns an ``LLMError`` into it);
- 2: bad input or config, before anything ran (``hadron.cli.main`` turns every other ``HadronError`` into it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from hadron.cli._app import err_console

if TYPE_CHECKING:
    from hadron.runtime.pipeline import RunResult
    from hadron.runtime.rundir import RunDir


ROWS_FAILED = 1
"""The exit code of a run that left rows in ``errors.jsonl``."""


def exit_for_rows(result: RunResult) -> None:
    """Exit 1 when the run directory holds failed rows or skipped input lines (naming the first skipped
    line, its reason and how many more); else return, and the command exits 0."""
    manifest = result.manifest
    if manifest.input_errors:
        from hadron.runtime.rundir import RunDir

        run = RunDir(result.out_dir)
        err_console.print(f"error: {first_input_error(run)}; {manifest.input_errors - 1} more skipped "
                          f"(all recorded in {run.errors_path})", highlight=False, soft_wrap=True)
    if manifest.input_errors or manifest.errors:
        raise typer.Exit(ROWS_FAILED)


def exit_if_failed(errors: int) -> None:
    """Exit 1 when ``errors`` rows (rounds, episodes) are in ``errors.jsonl``; the summary is printed."""
    if errors:
        raise typer.Exit(ROWS_FAILED)


def first_input_error(run: RunDir) -> str:
    """The message of the run's first malformed-input record."""
    from hadron.runtime.records import SOURCE_STEP

    for record in run.records("errors"):
        if record.get("step") == SOURCE_STEP:
            return str(record.get("message"))
    return "malformed input"
