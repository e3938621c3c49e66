"""``hadron chat MODEL "prompt"``: one call to any model spec, to check an endpoint or a key by hand."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import typer

from hadron.cli._app import app, err_console
from hadron.errors import InputError


@app.command()
def chat(
    model: str = typer.Argument(..., help="Model spec: local, openai:gpt-4o-mini, http://HOST:PORT/v1#NAME."),
    prompt: str = typer.Argument(..., help="The user message; '-' reads it from stdin."),
    system: str | None = typer.Option(None, "--system", "-s", help="A system message."),
    temperature: float | None = typer.Option(None, "--temperature", "-t", min=0.0, max=2.0),
    max_tokens: int | None = typer.Option(None, "--max-tokens", "-n", min=1),
    json_schema: Path | None = typer.Option(None, "--json-schema", dir_okay=False,
                                            help="A JSON schema file the answer must follow "
                                                 "(constrained decoding where the backend can)."),
    show_reasoning: bool = typer.Option(False, "--show-reasoning",
                                        help="Also print the model's reasoning (to stderr)."),
) -> None:
    """Ask MODEL one question and print its answer."""
    import asyncio

    from hadron.llm import ModelHub

    if prompt == "-":
        prompt = sys.stdin.read()
    messages = ([{"role": "system", "content": system}] if system else []) + [
        {"role": "user", "content": prompt}]
    response_format = _response_format(json_schema) if json_schema else None

    async def ask() -> Any:
        async with ModelHub() as hub:
            return await hub.get(model).chat(messages, temperature=temperature, max_tokens=max_tokens,
                                             response_format=response_format)

    completion = asyncio.run(ask())
    if show_reasoning and completion.reasoning:
        err_console.print(completion.reasoning, style="dim", markup=False, highlight=False)
    typer.echo(completion.text)
    usage = completion.usage
    err_console.print(f"{completion.model} · {usage.prompt_tokens}+{usage.completion_tokens} tokens · "
                      f"{completion.latency_s:.2f} s · finish: {completion.finish_reason}",
                      style="dim", markup=False, highlight=False)


def _response_format(path: Path) -> dict[str, Any]:
    """OpenAI ``response_format`` for the JSON schema in ``path``."""
    try:
        schema = json.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise InputError(str(path), f"cannot read the JSON schema: {err.strerror}") from err
    except ValueError as err:
        line = getattr(err, "lineno", None)
        raise InputError(str(path), f"not valid JSON: {err}", line=line) from err
    if not isinstance(schema, dict):
        raise InputError(str(path), "a JSON schema must be a JSON object")
    name = re.sub(r"[^a-zA-Z0-9_-]", "_", path.stem)[:64] or "answer"
    return {"type": "json_schema", "json_schema": {"name": name, "schema": schema}}
