"""The typer app every command module attaches to. Commands stay thin: parse, call the library, print."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console

if TYPE_CHECKING:
    from hadron.core.config import YamlDoc

app = typer.Typer(
    name="hadron",
    help="Turn prompts into better-than-the-teacher training data for smaller models.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
err_console = Console(stderr=True)


def _version(value: bool) -> None:
    if value:
        from hadron import __version__

        console.print(f"hadron {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Print the version and exit."),
) -> None:
    """Hadron: prompts in, training data out."""


def read_settings(path: Path, what: str) -> YamlDoc:
    """A YAML file of task settings (a mapping; else one clear ``ConfigError``), with its lines."""
    from hadron.core.config import YamlDoc, read_yaml
    from hadron.errors import ConfigError

    doc = read_yaml(path)
    if doc.data is None:
        return YamlDoc(doc.path, {}, doc.node)
    if not isinstance(doc.data, dict):
        raise ConfigError(f"{path}: the config must be a mapping of {what} settings")
    return doc
