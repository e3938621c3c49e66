"""``hadron run pipeline.yaml --out DIR``: run, resume or refresh a pipeline into a run directory."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from hadron.cli._app import app, console, err_console
from hadron.errors import ConfigError

EXECUTORS = ("local",)


@app.command()
def run(
    pipeline: Path = typer.Argument(..., help="Pipeline YAML, or a run's config.yaml to replay it."),
    out: Path | None = typer.Option(None, "--out", "-o",
                                    help="Run directory (default: runs/<pipeline file name>)."),
    retry_errors: bool = typer.Option(False, "--retry-errors",
                                      help="Re-run only the rows recorded in OUT/errors.jsonl."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Plain progress lines instead of a bar."),
    strict: bool = typer.Option(False, "--strict",
                                help="Stop at the first malformed input line instead of recording it."),
    executor: str = typer.Option("local", "--executor", help="Where rows run: local (one event loop)."),
) -> None:
    """Run PIPELINE; run the same command again to resume after a crash or Ctrl-C."""
    import asyncio

    from hadron.runtime.config import load_pipeline

    if executor not in EXECUTORS:
        raise ConfigError(f"executor {executor!r} is not available yet", hint="use --executor local")
    loaded = load_pipeline(pipeline)
    name = pipeline.parent.name if pipeline.name == "config.yaml" else pipeline.stem
    out_dir = out or Path("runs") / name
    command = f"hadron run {pipeline} --out {out_dir}" + (" --retry-errors" if retry_errors else "")
    try:
        result = asyncio.run(loaded.run(out_dir, retry_errors=retry_errors, strict=strict,
                                        progress="quiet" if quiet else "auto"))
    except KeyboardInterrupt:
        err_console.print(f"interrupted; rerun the same command to resume: {command}", highlight=False,
                          soft_wrap=True)
        raise typer.Exit(130) from None
    manifest = result.manifest
    rejected = sum(manifest.rejected.values())
    data = manifest.data if manifest.data != "data" else out_dir / "data"
    console.print(f"{manifest.rows} rows in {len(manifest.shards)} shard(s) at {data}; "
                  f"{manifest.errors} failed, {rejected} rejected ({out_dir}/manifest.json)",
                  highlight=False, soft_wrap=True)
    if manifest.errors:
        err_console.print(f"{manifest.errors} rows failed (see {out_dir}/errors.jsonl); redo them with: "
                          f"hadron run {pipeline} --out {out_dir} --retry-errors",
                          highlight=False, soft_wrap=True)
    if result.stats.input_errors:
        first = _first_input_error(out_dir / "errors.jsonl")
        err_console.print(f"error: {first} ({result.stats.input_errors} malformed input line(s) skipped; "
                          f"all recorded in {out_dir}/errors.jsonl)", highlight=False, soft_wrap=True)
        raise typer.Exit(1)


def _first_input_error(path: Path) -> str:
    from hadron.runtime.records import SOURCE_STEP

    with open(path, encoding="utf-8") as handle:
        for raw in handle:
            try:
                record = json.loads(raw)
            except ValueError:
                continue
            if record.get("step") == SOURCE_STEP:
                return str(record.get("message"))
    return "malformed input"
