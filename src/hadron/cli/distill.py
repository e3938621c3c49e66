"""``hadron distill``: distill gold verdicts into one cheap student prompt (GEPA), then gate it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from hadron.cli._app import app, console
from hadron.errors import ConfigError

if TYPE_CHECKING:
    from hadron.distill import DistillConfig, DistillReport


@app.command("distill")
def distill_command(
    gold_arg: Path | None = typer.Argument(None, metavar="[GOLD]",
                                           help="Gold JSONL {id, input, label, split?}."),
    gold: Path | None = typer.Option(None, "--gold", help="Gold JSONL (same as the GOLD argument)."),
    baseline: str = typer.Option(..., "--baseline", "--seed-prompt",
                                 help="Seed prompt: a file path, or the prompt text itself."),
    out: Path = typer.Option(..., "--out", "-o", help="Output directory (also holds the request cache)."),
    model: str = typer.Option("local", "--model", "--student", help="Student model spec."),
    optimizer_model: str = typer.Option("local", "--optimizer-model", "--reflection",
                                        help="Reflection model spec (proposes new prompts)."),
    categorical: str = typer.Option("", "--categorical", "--fields-categorical",
                                    help="Label fields compared by exact match, comma-separated."),
    array: str = typer.Option("", "--array", "--fields-array",
                              help="Label fields compared by Jaccard overlap, comma-separated."),
    comparator: str | None = typer.Option(None, "--comparator", help="Custom comparator module:function."),
    budget: int = typer.Option(60, "--budget", "--max-metric-calls", help="Max student calls for GEPA."),
    max_seconds: float = typer.Option(600.0, "--max-seconds", help="Wall-clock limit for GEPA."),
    min_delta: float = typer.Option(0.0, "--min-delta", help="Promote only if holdout gain > this."),
    reps: int = typer.Option(1, "--reps", help="Holdout repetitions per prompt in the gate."),
    seed: int = typer.Option(0, "--seed", help="Seed for GEPA, sampling and the bootstrap."),
    stride: int = typer.Option(4, "--stride", help="Every k-th untagged record goes to the holdout."),
    val_stride: int = typer.Option(3, "--val-stride",
                                   help="Every k-th train record validates in GEPA (0: validate on train)."),
    minibatch: int = typer.Option(3, "--minibatch", help="Examples per reflection step."),
) -> None:
    """Distill an expensive workflow's gold verdicts into one cheap student prompt."""
    import asyncio

    from hadron.distill import distill, read_prompt

    gold_path = _gold_path(gold_arg, gold)
    config = _config(student=model, reflection=optimizer_model, categorical=categorical, array=array,
                     comparator=comparator, max_metric_calls=budget, max_seconds=max_seconds,
                     min_delta=min_delta, reps=reps, seed=seed, stride=stride, val_stride=val_stride,
                     minibatch_size=minibatch)
    prompt = read_prompt(baseline)
    with _ProgressBar(budget) as on_progress:
        report = asyncio.run(distill(gold_path, prompt, config, out, progress=on_progress))
    _print_report(report)


def _gold_path(argument: Path | None, option: Path | None) -> Path:
    if argument is not None and option is not None and argument != option:
        raise ConfigError("give the gold file once: as GOLD or as --gold")
    path = argument or option
    if path is None:
        raise ConfigError("no gold file given", hint="hadron distill GOLD.jsonl ... or --gold GOLD.jsonl")
    return path


def _config(**values: object) -> DistillConfig:
    """Validate options; a bad value becomes one line naming the option."""
    from hadron.core.config import validate
    from hadron.distill import DistillConfig

    return validate(DistillConfig, values)


class _ProgressBar:
    """A rich progress bar fed from gepa's thread: metric calls used and the best validation score."""

    def __init__(self, budget: int) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.bar = Progress(TextColumn("[bold]distill"), BarColumn(), MofNCompleteColumn(),
                            TextColumn("calls · best val {task.fields[best]:.3f}"), TimeElapsedColumn(),
                            console=console, transient=True)
        self.task = self.bar.add_task("gepa", total=budget, best=0.0)

    def __enter__(self) -> _ProgressBar:
        self.bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.bar.stop()

    def __call__(self, calls: int, best: float) -> None:
        self.bar.update(self.task, completed=calls, best=best)


def _print_report(report: DistillReport) -> None:
    from rich.table import Table

    d = report.decision
    table = Table(title=f"holdout gate (n={d.n}, reps={report.config.reps})", title_justify="left")
    table.add_column("")
    table.add_column("baseline", justify="right")
    table.add_column("winner", justify="right")
    table.add_row("agreement", f"{d.baseline_mean:.4f}", f"{d.winner_mean:.4f}")
    for name, (base, win) in d.fields.items():
        table.add_row(f"  {name}", f"{base:.4f}", f"{win:.4f}")
    table.add_row("delta", "", f"{d.delta:+.4f}")
    table.add_row("95% CI (paired bootstrap)", "", f"[{d.ci_low:+.4f}, {d.ci_high:+.4f}]")
    console.print(table)
    o = report.optimizer
    verdict = "[bold green]PROMOTED[/]" if d.promoted else "[bold yellow]NOT PROMOTED[/]"
    console.print(f"{verdict}: {d.reason}")
    console.print(f"budget: {o.metric_calls}/{report.config.max_metric_calls} metric calls, "
                  f"{report.reflection_calls} reflection calls, {len(o.candidates)} candidates, "
                  f"stopped by {o.stopped_by}, {report.seconds:.1f} s")
    console.print(f"student prompt: {report.out_dir / 'student_prompt.txt'}; report: "
                  f"{report.out_dir / 'report.md'}")
