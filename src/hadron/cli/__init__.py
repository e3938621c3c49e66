"""``hadron`` command line. Each command lives in its own module and registers on the shared app."""

from __future__ import annotations

import importlib
import sys

from rich.markup import escape

from hadron.cli._app import app, err_console
from hadron.errors import HadronError

COMMAND_MODULES = ("chat", "serve", "run", "autoreason", "export", "distill", "nanoflux", "agentic", "report",
                   "sandbox")
"""Importing each registers its command on ``app``, in this (help) order; one that fails to import fails
``hadron`` loudly instead of quietly losing a command."""

for _name in COMMAND_MODULES:
    importlib.import_module(f"hadron.cli.{_name}")


def main() -> None:
    """Entry point: one clear line and exit code 2 for any Hadron error, never a traceback."""
    try:
        app()
    except HadronError as exc:
        # escaped: a hint like pip install 'hadron-distill[ray]' is not rich markup
        err_console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        sys.exit(2)
    except KeyboardInterrupt:
        err_console.print("interrupted; run the same command again to resume")
        sys.exit(130)


__all__ = ["app", "main"]
