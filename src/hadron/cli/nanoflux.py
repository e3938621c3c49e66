"""``hadron nanoflux --domains math,science --out DIR``: adversarial question synthesis.

Each round the attacker writes a hard question with a reference answer and explanation, the
defender answers, a judge with a Python sandbox checks both, and the curator keeps novel, valid
questions the defender failed, inside the complexity band, until each domain's budget is full. Kept
questions go to ``DIR/data``, rejected candidates with their reason to ``DIR/rejects.jsonl``, and the
SFT exports to ``DIR/exports``. Run the same command again to resume: finished rounds are skipped,
answered calls replay from ``DIR/cache.sqlite``, and kept questions are restored for the novelty check.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from hadron.cli._app import app, console, err_console, read_settings
from hadron.cli._report import exit_if_failed
from hadron.cli._run_options import cache_option, parse_workers, workers_option

if TYPE_CHECKING:
    from hadron.tasks.nanoflux.config import NanoFluxConfig
    from hadron.tasks.nanoflux.run import NanoFluxSummary

nanoflux_app = typer.Typer(help="Synthesize hard multi-step questions the defender fails (NanoFlux); "
                                "`hadron nanoflux sweep` compares complexity bands.")
app.add_typer(nanoflux_app, name="nanoflux")

BANDS_HELP = ("Comma-separated complexity bands: LOW-HIGH hops (levels from the config) or "
              "LOW-HIGH:LOW-HIGH (hops:levels), e.g. 1-3,2-5,4-8.")


@nanoflux_app.callback(invoke_without_command=True)
def nanoflux(
    ctx: typer.Context,
    out: Path | None = typer.Option(None, "--out", "-o",
                                    help="Run directory (resume by running the same command)."),
    domains: str | None = typer.Option(None, "--domains", "-d",
                                       help="Comma-separated domains (built in: math, science, medicine, "
                                            "genomics, finance, logic, coding; default math)."),
    per_domain: int | None = typer.Option(None, "--per-domain", min=1,
                                          help="Questions to select per domain (default 150)."),
    pool_factor: float | None = typer.Option(None, "--pool-factor", min=1.0,
                                             help="Pool this many times --per-domain, then select "
                                                  "(default 3)."),
    require_verified: bool = typer.Option(False, "--require-verified",
                                          help="Pool only questions whose reference answer the judge's "
                                               "tool run reproduced."),
    attacker: str | None = typer.Option(None, "--attacker",
                                        help="Model that attacks in even rounds (default local)."),
    defender: str | None = typer.Option(None, "--defender",
                                        help="Model that defends in even rounds; the two swap roles "
                                             "every round (default local)."),
    judge: str | None = typer.Option(None, "--judge", help="Judge model (default local)."),
    max_rounds: int | None = typer.Option(None, "--max-rounds", min=1,
                                          help="Rounds per domain at most (default 10 x the pool)."),
    embedder: str | None = typer.Option(None, "--embedder",
                                        help="Novelty embeddings: local (packaged MiniLM, default), "
                                             "http://HOST/v1#MODEL or openai:MODEL."),
    concurrency: int | None = typer.Option(None, "--concurrency", min=1,
                                           help="Rounds in flight per domain (default 4)."),
    config: Path | None = typer.Option(None, "--config", "-c", help="YAML with NanoFlux settings."),
    retry_errors: bool = typer.Option(False, "--retry-errors",
                                      help="Re-run only the rounds recorded in OUT/errors.jsonl."),
    cache: Path | None = cache_option(),
    workers: str = workers_option(),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Plain progress lines instead of a bar."),
    unsafe_sandbox: bool = typer.Option(False, "--unsafe-sandbox",
                                        help="Where this host has no OS sandbox (see `hadron sandbox "
                                             "check`), run the judge's code without one. Dangerous."),
) -> None:
    """Pool hard multi-step questions the defender fails, select the best per domain, write the dataset
    and SFT exports."""
    import asyncio

    from hadron.runtime.task import RunRequest
    from hadron.tasks.nanoflux.run import run_nanoflux

    if ctx.invoked_subcommand is not None:
        return
    if out is None:
        err_console.print("error: Missing option '--out' / '-o' (the run directory); "
                          "see `hadron nanoflux --help`", highlight=False)
        raise typer.Exit(2)
    settings = build_config(config, domains=domains, per_domain=per_domain, attacker=attacker,
                            defender=defender, judge=judge, max_rounds=max_rounds, embedder=embedder,
                            concurrency=concurrency, pool_factor=pool_factor,
                            require_verified=require_verified or None)
    if unsafe_sandbox:
        settings.sandbox.unsafe = True
        warn_if_unsafe(settings)
    request = RunRequest(settings, out, progress="quiet" if quiet else "auto", retry_errors=retry_errors,
                         cache=cache, workers=parse_workers(workers))
    try:
        done = asyncio.run(run_nanoflux(request))
    except KeyboardInterrupt:
        err_console.print("interrupted; rerun the same command to resume", highlight=False)
        raise typer.Exit(130) from None
    summary = done.summary
    if summary.restored:
        console.print(f"resumed: {summary.restored} pooled question(s) restored from {out}", highlight=False)
    if summary.already_full:
        console.print("every domain's pool is already full; nothing to run", highlight=False)
    if done.exports:
        written = ", ".join(f"{name} {stats.written}" for name, stats in done.exports.items())
        console.print(f"exports in {out / 'exports'}: {written}", highlight=False)
    print_summary(summary, out)
    exit_if_failed(summary.errors)


def build_config(path: Path | None, *, domains: str | None, per_domain: int | None, attacker: str | None,
                 defender: str | None, judge: str | None, max_rounds: int | None, embedder: str | None,
                 concurrency: int | None, pool_factor: float | None = None,
                 require_verified: bool | None = None) -> NanoFluxConfig:
    """The file's settings, then the flags, validated once (each role's backend fills the caps left unset)."""
    from hadron.core.config import validate
    from hadron.tasks.nanoflux.config import NanoFluxConfig

    doc = read_settings(path, "NanoFlux") if path is not None else None
    data: dict[str, Any] = doc.data if doc is not None else {}
    for role, spec in (("attacker", attacker), ("defender", defender), ("judge", judge)):
        if spec is not None:
            data[role] = {**(data.get(role) or {}), "model": spec}
    flags = {"domains": domains, "per_domain": per_domain, "max_rounds": max_rounds, "embedder": embedder,
             "concurrency": concurrency, "pool_factor": pool_factor, "require_verified": require_verified}
    data.update({key: value for key, value in flags.items() if value is not None})
    return validate(NanoFluxConfig, data, doc)


def warn_if_unsafe(settings: NanoFluxConfig) -> None:
    """Say loudly, before anything runs, that model-written code will run with no OS boundary."""
    from hadron.sandbox import check

    report = check()
    if not report.available and "python" in settings.judge.tools:
        err_console.print(f"[bold red]WARNING: no OS sandbox ({report.reason}); the judge's model-written "
                          "code runs with resource limits only (--unsafe-sandbox). This is recorded in "
                          "the run's manifest.[/]", highlight=False)


def print_summary(summary: NanoFluxSummary, out: Path) -> None:
    from rich.table import Table

    from hadron.runtime.rundir import RunDir

    run = RunDir(out)
    rows, rejected, errors = summary.rows, summary.rejected, summary.errors
    table = Table(title="NanoFlux", show_header=False, title_justify="left")
    table.add_column("what", style="bold")
    table.add_column("value")
    pooled = ", ".join(f"{domain} {count}/{summary.pool}" for domain, count in summary.kept.items())
    table.add_row("pooled", f"{rows} ({pooled})")
    selected = ", ".join(f"{domain} {count}/{summary.per_domain}"
                         for domain, count in summary.selected.items())
    table.add_row("selected", f"{sum(summary.selected.values())} ({selected})")
    reasons = ", ".join(f"{reason} {count}" for reason, count in sorted(rejected.items()))
    table.add_row("rejected", f"{sum(rejected.values())} ({reasons or '-'})")
    table.add_row("failed rounds", str(errors))
    console.print(table)
    console.print(f"pool in {run.data_dir}; why each was selected or left out in "
                  f"{run.task_path('selection.jsonl')}; rejected candidates in {run.rejects_path}",
                  highlight=False)
    if errors:
        err_console.print(f"{errors} round(s) failed (see {run.errors_path}); redo them by running the "
                          "same command with --retry-errors", highlight=False)


@nanoflux_app.command("sweep")
def sweep(
    bands: str = typer.Option(..., "--bands", "-b", help=BANDS_HELP),
    out: Path = typer.Option(..., "--out", "-o",
                             help="Sweep directory: one run per band, the table, the plot."),
    domains: str | None = typer.Option(None, "--domains", "-d",
                                       help="Comma-separated domains (default math)."),
    per_domain: int | None = typer.Option(None, "--per-domain", min=1,
                                          help="Questions to select per domain (default 150)."),
    pool_factor: float | None = typer.Option(None, "--pool-factor", min=1.0,
                                             help="Pool size / --per-domain."),
    attacker: str | None = typer.Option(None, "--attacker", help="Attacker model (default local)."),
    defender: str | None = typer.Option(None, "--defender", help="Defender model (default local)."),
    judge: str | None = typer.Option(None, "--judge", help="Judge model (default local)."),
    max_rounds: int | None = typer.Option(None, "--max-rounds", min=1, help="Rounds per domain and band."),
    embedder: str | None = typer.Option(None, "--embedder", help="Novelty embeddings (default local)."),
    config: Path | None = typer.Option(None, "--config", "-c", help="YAML with NanoFlux settings."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Plain progress lines instead of a bar."),
    unsafe_sandbox: bool = typer.Option(False, "--unsafe-sandbox", help="See `hadron nanoflux --help`."),
) -> None:
    """Run the same rounds over several complexity bands; write a per-domain table and plot."""
    import asyncio

    from hadron.errors import ConfigError
    from hadron.tasks.nanoflux.sweep import METRICS, parse_band, run_sweep

    settings = build_config(config, domains=domains, per_domain=per_domain, attacker=attacker,
                            defender=defender, judge=judge, max_rounds=max_rounds, embedder=embedder,
                            concurrency=None, pool_factor=pool_factor)
    try:
        chosen = [parse_band(text, settings.band.levels) for text in bands.split(",") if text.strip()]
    except ValueError as err:
        raise ConfigError(f"--bands: {err}", hint=BANDS_HELP) from err
    if unsafe_sandbox:
        settings.sandbox.unsafe = True
        warn_if_unsafe(settings)
    results = asyncio.run(run_sweep(settings, chosen, out, progress="quiet" if quiet else "auto"))
    from rich.table import Table

    table = Table(title="NanoFlux band sweep", title_justify="left")
    for column in ("domain", "band", "pooled", *(label for _, label in METRICS)):
        table.add_column(column)
    for result in results:
        values = [getattr(result, key) for key, _ in METRICS]
        table.add_row(result.domain, result.band, str(result.pooled),
                      *("-" if value is None else f"{value:g}" for value in values))
    console.print(table)
    console.print(f"table in {out / 'sweep.csv'} and {out / 'sweep.json'}; plot in {out / 'sweep.svg'}; "
                  f"each band's run and report under {out}/", highlight=False)
