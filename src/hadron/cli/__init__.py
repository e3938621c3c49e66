"""``hadron`` command line. Each command lives in its own module and registers on the shared app."""

from __future__ import annotations

import importlib
import sys

from rich.markup import escape

from hadron.cli._app import app, err_console
from hadron.errors import HadronError
from hadron.llm.errors import LLMError

COMMAND_MODULES = ("chat", "serve", "run", "autoreason", "export", "distill", "nanoflux", "agentic", "report",
                   "sandbox", "qa")
"""Importing each registers its command on ``app``, in this (help) order; one that fails to import fails
``hadron`` loudly instead of quietly losing a command."""

for _name in COMMAND_MODULES:
    importlib.import_module(f"hadron.cli.{_name}")


BAD_INPUT = 2
"""Exit code of a command stopped by bad input or config (any ``HadronError`` but a model's)."""
MODEL_FAILED = 1
"""Exit code of a command stopped by a model call that failed after its retries (``LLMError``): like rows
left in ``errors.jsonl``, the input was fine and the same command may succeed later."""


def main() -> None:
    """Entry point: one clear line, never a traceback; exit 1 when a model call stopped the command, 2 for
    any other Hadron error (see ``cli/_report.py`` for the codes a finished run exits with)."""
    try:
        app()
    except LLMError as exc:
        err_console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        sys.exit(MODEL_FAILED)
    except HadronError as exc:
        # escaped: a hint like pip install 'hadron-distill[ray]' is not rich markup
        err_console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        sys.exit(BAD_INPUT)
    except KeyboardInterrupt:
        err_console.print("interrupted; run the same command again to resume")
        sys.exit(130)


__all__ = ["app", "main"]
