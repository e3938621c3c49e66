"""Every command module is imported when ``hadron`` starts; one that cannot be imported is an error."""

from __future__ import annotations

import subprocess
import sys

from hadron.cli import COMMAND_MODULES, app


def test_every_command_module_registers_a_command() -> None:
    names = {command.name or (command.callback.__name__ if command.callback else "") for command in
             app.registered_commands} | {group.name for group in app.registered_groups}
    assert set(COMMAND_MODULES) <= names


def test_a_command_module_that_fails_to_import_is_not_skipped() -> None:
    # ``None`` in sys.modules makes ``import hadron.cli.report`` raise ModuleNotFoundError naming the
    # module itself: the case the CLI used to swallow, losing the command without a word.
    code = "import sys; sys.modules['hadron.cli.report'] = None; import hadron.cli"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "ModuleNotFoundError" in done.stderr and "hadron.cli.report" in done.stderr


def test_every_task_command_takes_cache_and_retry_errors() -> None:
    import typer.main

    commands = typer.main.get_command(app).commands  # type: ignore[attr-defined]
    for name in ("autoreason", "nanoflux", "agentic", "run", "distill"):
        options = {opt for param in commands[name].params for opt in param.opts}
        assert "--cache" in options and "--retry-errors" in options, name
