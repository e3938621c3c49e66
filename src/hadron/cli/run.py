"""``hadron run pipeline.yaml --out DIR``: run, resume or refresh a pipeline into a run directory."""

from __future__ import annotations

import contextlib
import signal
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from hadron.cli._app import app, console, err_console
from hadron.cli._report import exit_for_rows
from hadron.cli._run_options import cache_option, parse_workers, retry_errors_option, workers_option
from hadron.cli._source import SourceFlags, source_options
from hadron.errors import ConfigError

if TYPE_CHECKING:
    from hadron.runtime.pipeline import RunResult


@app.command()
@source_options
def run(
    pipeline: Path = typer.Argument(..., help="Pipeline YAML, or a run's config.yaml to replay it."),
    out: Path | None = typer.Option(None, "--out", "-o",
                                    help="Run directory (default: runs/<pipeline file name>)."),
    retry_errors: bool = retry_errors_option(),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Plain progress lines instead of a bar."),
    strict: bool = typer.Option(False, "--strict",
                                help="Stop at the first malformed input line instead of recording it."),
    executor: str = typer.Option("local", "--executor",
                                 help="Where rows run: local (one event loop) or ray (blocks on Ray)."),
    address: str | None = typer.Option(None, "--address",
                                       help="With --executor ray: auto, HOST:PORT or ray://HOST:10001 "
                                            "(default: start a local Ray instance)."),
    block_rows: int | None = typer.Option(None, "--block-rows", min=1,
                                          help="With --executor ray: source rows per task (default 1000)."),
    cache_path: str | None = typer.Option(None, "--cache-path",
                                          help="With --executor ray: the request cache (default "
                                               "OUT/cache.sqlite; node-local on a multi-node cluster)."),
    cache: Path | None = cache_option(),
    workers: str = workers_option(),
    source: SourceFlags = SourceFlags(),
) -> None:
    """Run PIPELINE; run the same command again to resume after a crash or Ctrl-C."""
    import asyncio

    from hadron.runtime import rundir
    from hadron.runtime.config import load_pipeline
    from hadron.runtime.executors import get_executor

    given = {"address": address, "block_rows": block_rows, "cache_path": cache_path}
    ray_options = {name: value for name, value in given.items() if value is not None}
    if ray_options and executor != "ray":
        flags = ", ".join(f"--{name.replace('_', '-')}" for name in ray_options)
        what = f"option {flags} is" if len(ray_options) == 1 else f"options {flags} are"
        raise ConfigError(f"{what} only for --executor ray", hint="add --executor ray")
    count = parse_workers(workers)
    if count > 1 and executor != "local":
        raise ConfigError(f"--workers is for one machine; --executor {executor} has its own workers",
                          hint="drop --workers, or use --executor local")
    runner = get_executor("pool", workers=count) if count > 1 else get_executor(executor, **ray_options)
    loaded = load_pipeline(pipeline)
    if source.given():
        loaded.source = source.apply(loaded.source)
    name = pipeline.parent.name if pipeline.name == rundir.CONFIG else pipeline.stem
    out_dir = out or Path("runs") / name
    command = f"hadron run {pipeline} --out {out_dir}" + (" --retry-errors" if retry_errors else "")

    async def run_until_signalled() -> RunResult:
        """SIGTERM (a CI cancel, ``kill``) stops as cleanly as Ctrl-C: the run task is cancelled."""
        task = asyncio.current_task()
        assert task is not None
        with contextlib.suppress(NotImplementedError):  # event loops without signal handlers
            asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
        return await loaded.run(out_dir, retry_errors=retry_errors, strict=strict,
                                progress="quiet" if quiet else "auto", executor=runner, cache=cache)

    try:
        result = asyncio.run(run_until_signalled())
    except (KeyboardInterrupt, asyncio.CancelledError) as exc:
        err_console.print(f"interrupted; rerun the same command to resume: {command}", highlight=False,
                          soft_wrap=True)
        raise typer.Exit(130 if isinstance(exc, KeyboardInterrupt) else 143) from None
    manifest = result.manifest
    rejected = sum(manifest.rejected.values())
    run_dir = rundir.RunDir(out_dir)
    data = manifest.data if manifest.data != rundir.DATA else run_dir.data_dir
    console.print(f"{manifest.rows} rows in {len(manifest.shards)} shard(s) at {data}; "
                  f"{manifest.errors} failed, {rejected} rejected ({run_dir.manifest_path})",
                  highlight=False, soft_wrap=True)
    if manifest.errors:
        err_console.print(f"{manifest.errors} rows failed (see {run_dir.errors_path}); redo them with: "
                          f"hadron run {pipeline} --out {out_dir} --retry-errors",
                          highlight=False, soft_wrap=True)
    exit_for_rows(result)
