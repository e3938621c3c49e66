"""``hadron distill``: distill gold verdicts into one cheap student prompt (GEPA), then gate it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from hadron.cli._app import app, console
from hadron.cli._run_options import cache_option
from hadron.errors import ConfigError

if TYPE_CHECKING:
    from hadron.distill import DistillConfig, DistillReport
    from hadron.distill.report import AlreadyDistilled


@app.command("distill")
def distill_command(
    gold_arg: Path | None = typer.Argument(None, metavar="[GOLD]",
                                           help="Gold JSONL {id, input, label, split?}."),
    gold: Path | None = typer.Option(None, "--gold", help="Gold JSONL (same as the GOLD argument)."),
    from_run: Path | None = typer.Option(None, "--from-run",
                                         help="Build the gold from this run directory (see --target)."),
    target: str = typer.Option("judge", "--target",
                               help="With --from-run: the step to distil (judge: the AutoReason panel)."),
    baseline: str | None = typer.Option(None, "--baseline", "--seed-prompt",
                                        help="Seed prompt: a file path, or the prompt text itself "
                                             "(--from-run has a default)."),
    out: Path = typer.Option(..., "--out", "-o", help="Output directory (also holds the request cache)."),
    model: str = typer.Option("local", "--model", "--student", help="Student model spec."),
    optimizer_model: str = typer.Option("local", "--optimizer-model", "--reflection",
                                        help="Reflection model spec (proposes new prompts)."),
    categorical: str = typer.Option("", "--categorical", "--fields-categorical",
                                    help="Label fields compared by exact match, comma-separated."),
    array: str = typer.Option("", "--array", "--fields-array",
                              help="Label fields compared by Jaccard overlap, comma-separated."),
    values: list[str] = typer.Option([], "--values",
                                     help="FIELD=v1,v2: values a field may take beyond those in the gold "
                                          "(repeatable)."),
    comparator: str | None = typer.Option(None, "--comparator", help="Custom comparator module:function."),
    generations: int | None = typer.Option(None, "--generations",
                                           help="GEPA iterations (sizes the budget unless --budget)."),
    population: int = typer.Option(1, "--population",
                                   help="Children per generation (gepa IndependentSampling)."),
    budget: int | None = typer.Option(None, "--budget", "--max-metric-calls",
                                      help="Max student calls for GEPA (the direct form; default 60, or "
                                           "sized from --generations)."),
    max_seconds: float = typer.Option(600.0, "--max-seconds", help="Wall-clock limit for GEPA."),
    gate: str = typer.Option("ci", "--gate",
                             help="ci: promote when the 95% CI lower bound of the gain > min-delta; "
                                  "delta: when the mean gain > min-delta."),
    min_delta: float = typer.Option(0.0, "--min-delta", help="Holdout gain the gate asks for."),
    reps: int = typer.Option(1, "--reps", help="Holdout repetitions per prompt in the gate (averaged)."),
    seed: int = typer.Option(0, "--seed", help="Seed for GEPA, sampling and the bootstrap."),
    stride: int = typer.Option(4, "--stride", help="Every k-th untagged record goes to the holdout."),
    val_stride: int = typer.Option(3, "--val-stride",
                                   help="Every k-th train record validates in GEPA (0: validate on train)."),
    minibatch: int = typer.Option(3, "--minibatch", help="Examples per reflection step."),
    as_json: bool = typer.Option(False, "--json", help="Print the JSON report (result.json) to stdout."),
    cache: Path | None = cache_option(),
    retry_errors: bool = typer.Option(
        False, "--retry-errors",
        help="Run again into an --out that already holds this distillation: answered calls replay from "
             "the cache, answers that could not be parsed are asked again (without it such a rerun only "
             "prints the saved verdict)."),
) -> None:
    """Distill an expensive workflow's gold verdicts into one cheap student prompt."""
    from hadron.distill.report import AlreadyDistilled

    options: dict[str, object] = dict(
        student=model, reflection=optimizer_model, categorical=categorical, array=array,
        label_values=_label_values(values), comparator=comparator, max_metric_calls=budget,
        generations=generations, population=population, max_seconds=max_seconds, gate=gate,
        min_delta=min_delta, reps=reps, seed=seed, stride=stride, val_stride=val_stride,
        minibatch_size=minibatch)
    try:
        with _ProgressBar(quiet=as_json) as on_progress:
            report = _run(from_run, target, gold_arg, gold, baseline, options, out, cache, on_progress,
                          skip_finished=not retry_errors)
    except AlreadyDistilled as done:
        _print_saved(done, as_json=as_json)
        return
    if as_json:
        print((report.out_dir / "result.json").read_text(encoding="utf-8"), end="")
    else:
        _print_report(report)


def _run(from_run: Path | None, target: str, gold_arg: Path | None, gold: Path | None, baseline: str | None,
         options: dict[str, object], out: Path, cache: Path | None, on_progress: _ProgressBar, *,
         skip_finished: bool) -> DistillReport:
    """One distillation from a gold file or from a run directory (``--from-run``)."""
    import asyncio

    from hadron.distill import distill, read_prompt

    if from_run is not None:
        from hadron.distill.from_run import distill_from_run

        if gold_arg is not None or gold is not None:
            raise ConfigError("give either a gold file or --from-run, not both")
        if options["categorical"] or options["array"] or options["label_values"]:
            raise ConfigError("--from-run sets the label fields itself",
                              hint="drop --categorical/--array/--values")
        config = _config(**options)
        prompt = read_prompt(baseline) if baseline is not None else None
        return asyncio.run(distill_from_run(from_run, target, config, out, seed_prompt=prompt,
                                            progress=on_progress, cache=cache, skip_finished=skip_finished))
    gold_path = _gold_path(gold_arg, gold)
    if baseline is None:
        raise ConfigError("no seed prompt given", hint="--baseline PROMPT_OR_FILE")
    config = _config(**options)
    return asyncio.run(distill(gold_path, read_prompt(baseline), config, out, progress=on_progress,
                               cache=cache, skip_finished=skip_finished))


def _print_saved(done: AlreadyDistilled, *, as_json: bool) -> None:
    """A rerun of a finished distillation: its saved verdict, and how to ask the failed answers again."""
    from hadron.distill.report import failed_answers

    if as_json:
        print((done.out_dir / "result.json").read_text(encoding="utf-8"), end="")
        return
    saved = done.saved
    verdict = "[bold green]PROMOTED[/]" if saved.get("promoted") else "[bold yellow]NOT PROMOTED[/]"
    agreement = saved.get("agreement") or {}
    console.print(f"{done.out_dir} already holds this distillation (same gold, seed prompt and settings); "
                  f"nothing was asked. Saved verdict: {verdict}: {saved.get('reason', '')} (holdout "
                  f"agreement {agreement.get('before', 0):.4f} -> {agreement.get('after', 0):.4f})")
    failed = failed_answers(done.out_dir)
    again = (f"answers that could not be parsed are asked again: {failed} on the holdout" if failed
             else "every answered call replays from the cache")
    console.print(f"--retry-errors runs it again ({again}); report: {done.out_dir / 'result.json'}")


def _label_values(values: list[str]) -> dict[str, tuple[str, ...]]:
    """``FIELD=v1,v2`` options -> {field: values}; a malformed one is a one-line error."""
    declared: dict[str, tuple[str, ...]] = {}
    for item in values:
        name, sep, listed = item.partition("=")
        parts = tuple(part.strip() for part in listed.split(",") if part.strip())
        if not sep or not name.strip() or not parts:
            raise ConfigError(f"--values {item!r} must look like FIELD=v1,v2")
        declared[name.strip()] = declared.get(name.strip(), ()) + parts
    return declared


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

    def __init__(self, *, quiet: bool = False) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.bar = Progress(TextColumn("[bold]distill"), BarColumn(), MofNCompleteColumn(),
                            TextColumn("calls · best val {task.fields[best]:.3f}"), TimeElapsedColumn(),
                            console=console, transient=True, disable=quiet)
        self.task = self.bar.add_task("gepa", total=None, best=0.0)

    def __enter__(self) -> _ProgressBar:
        self.bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.bar.stop()

    def __call__(self, calls: int, budget: int, best: float) -> None:
        self.bar.update(self.task, completed=calls, total=budget, best=best)


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
    console.print(f"budget: {o.metric_calls}/{o.max_metric_calls} metric calls, {o.iterations} generations, "
                  f"{report.reflection_calls} reflection calls, {len(o.candidates)} candidates, "
                  f"stopped by {o.stopped_by}, {report.seconds:.1f} s")
    if report.source:
        console.print(f"agreement with the {report.source.get('target', 'source')} on the holdout: "
                      f"{d.baseline_mean:.4f} before, "
                      f"{d.winner_mean if d.promoted else d.baseline_mean:.4f} after")
    console.print(f"student prompt: {report.out_dir / 'student_prompt.txt'}; report: "
                  f"{report.out_dir / 'result.json'}, {report.out_dir / 'report.md'}")
