"""``hadron sandbox check`` / ``hadron sandbox run FILE.py``: the OS boundary for model-written code."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from hadron.cli._app import app
from hadron.errors import InputError

sandbox_app = typer.Typer(help="The OS sandbox that runs model-written Python (docs/security.md).",
                          no_args_is_help=True)
app.add_typer(sandbox_app, name="sandbox")


@sandbox_app.command("check")
def check_command() -> None:
    """Start one sandbox and print, as JSON, which layers protect this host; exit 1 when none."""
    from hadron.sandbox import check

    report = check()
    typer.echo(json.dumps(report.to_dict(), indent=2))
    if not report.available:
        raise typer.Exit(1)


@sandbox_app.command("run")
def run_command(
    file: Path = typer.Argument(..., help="Python file to run in the sandbox."),
    timeout: float = typer.Option(10.0, "--timeout", min=0.1, help="Wall-clock seconds."),
    memory: int = typer.Option(512, "--memory", min=32, help="Address-space limit in MB."),
    cpu: int | None = typer.Option(None, "--cpu", min=1, help="CPU seconds (default: the timeout)."),
    unsafe_sandbox: bool = typer.Option(False, "--unsafe-sandbox",
                                        help="Run with resource limits only where no sandbox exists."),
) -> None:
    """Run FILE.py in the sandbox; print one JSON object (status, stdout, stderr, seconds, ...)."""
    import math

    from hadron.sandbox import SandboxLimits, run_python

    try:
        code = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(str(file), f"cannot read: {exc}") from None
    cpu_seconds = cpu or max(1, math.ceil(timeout))
    limits = SandboxLimits(cpu_seconds=cpu_seconds, wall_seconds=timeout, memory_mb=memory)
    result = run_python(code, limits, unsafe=unsafe_sandbox)
    typer.echo(json.dumps(result.to_dict()))
