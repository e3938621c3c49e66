"""The run options every task command takes: where the request cache lives, and redoing failed rows.

    hadron autoreason prompts.jsonl --out runs/a --cache ~/.cache/hadron.sqlite
    hadron autoreason prompts.jsonl --out runs/b --cache ~/.cache/hadron.sqlite --judges 5  # replays a
    hadron autoreason prompts.jsonl --out runs/a --retry-errors
    hadron autoreason prompts.jsonl --out runs/a --workers auto       # rows over cores - 1 processes
"""

from __future__ import annotations

from typing import Any

import typer


def cache_option() -> Any:
    return typer.Option(None, "--cache", help="Request cache file, shared by every run that names it "
                                              "(default: $HADRON_CACHE, else OUT/cache.sqlite). Keyed by the "
                                              "rendered request: calls runs have in common are paid once.")


def retry_errors_option() -> Any:
    return typer.Option(False, "--retry-errors", help="Redo only the rows recorded in OUT/errors.jsonl.")


def workers_option() -> Any:
    return typer.Option("1", "--workers", help="Processes the rows are spread over, each with its own event "
                                               "loop: a count, or auto (cores - 1). Limits and the cache "
                                               "are shared; steps that keep state across rows may refuse.")


def parse_workers(value: str) -> int:
    """``--workers``: a count of at least 1, or ``auto``."""
    from hadron.runtime.executors.pool import resolve_workers

    return resolve_workers(value)
