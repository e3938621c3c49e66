"""``hadron report | stats | eval | push``: look at a run, compare two datasets, publish one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from hadron.cli._app import app, console, err_console


@app.command("report")
def report_command(
    run: Path = typer.Argument(..., help="The run directory."),
    out: Path | None = typer.Option(None, "--out", "-o",
                                    help="HTML file to write (default: RUN/report.html)."),
    samples: int = typer.Option(200, "--samples", min=0, help="Rows in the sample browser (seeded sample)."),
    seed: int = typer.Option(0, "--seed", help="Seed for picking the sample rows."),
    card: bool = typer.Option(True, "--card/--no-card",
                              help="Also write RUN/README.md (never over a card you edited)."),
) -> None:
    """Write one self-contained HTML report (plots, tables, sample browser) for a run."""
    from hadron.qa.card import write_dataset_card
    from hadron.qa.report import write_report
    from hadron.runtime.rundir import RunDir

    path = write_report(run, out, samples=samples, seed=seed)
    console.print(f"report: {path}")
    if card and RunDir(run).data_dir.is_dir():
        console.print(f"dataset card: {write_dataset_card(run)}")


@app.command("stats")
def stats_command(
    run: Path = typer.Argument(..., help="The run directory."),
    as_json: bool = typer.Option(False, "--json", help="Print the numbers as JSON instead of a table."),
) -> None:
    """Print a run's headline numbers."""
    import json
    from dataclasses import asdict

    from rich.table import Table

    from hadron.qa.rundir import RunDir
    from hadron.qa.sections import num, pct, usd
    from hadron.qa.stats import summarize
    from hadron.runtime.task import task_of_run

    data = RunDir.open(run)
    summary = summarize(data.iter_rows(), data.iter_log("errors"), data.iter_log("rejects"),
                        task_of_run(data.config))
    head = summary.headline()
    final_source: dict[str, int] = head.pop("final_source", {})
    overall = (data.evaluation or {}).get("overall") or {}
    if as_json:
        payload = {**head, "final_source": final_source,
                   "reject_reasons": dict(summary.reject_reasons),
                   "errors_by_type": dict(summary.errors_by_type),
                   "usage": {role: asdict(u) for role, u in summary.usage.items()}}
        if overall:
            payload["eval"] = overall
        console.print_json(json.dumps(payload, default=str))
        return
    labels = {"rows": "rows done", "failed": "failed", "rejected": "rejected", "success_rate": "success rate",
              "converged_rate": "converged", "mean_passes": "mean passes", "draft_kept_rate": "draft kept",
              "valid_ballot_rate": "valid ballots", "first_shown_rate": "judges chose the first shown",
              "reasks": "ballot re-asks", "void_passes": "void passes",
              "mean_tool_calls": "tool calls / episode", "mean_length_chars": "mean length (chars)",
              "calls": "model calls", "prompt_tokens": "prompt tokens",
              "completion_tokens": "completion tokens", "model_seconds": "model seconds"}
    table = Table(title=f"{data.name}", title_justify="left")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for key, label in labels.items():
        value = head.get(key)
        if value is None:
            continue
        table.add_row(label, pct(value) if key.endswith("_rate") else num(value))
    if "cost_usd" in head:
        table.add_row("cost (USD)", usd(head["cost_usd"] or 0.0, head["unpriced_calls"]))
        if head["saved_usd"]:
            table.add_row("saved by the request cache (USD)", usd(head["saved_usd"], 0))
    if final_source:
        ordered = sorted(final_source.items(), key=lambda item: -item[1])
        table.add_row("final text from", ", ".join(f"{k} {v}" for k, v in ordered))
    if summary.reject_reasons:
        reasons = summary.reject_reasons.most_common(5)
        table.add_row("reject reasons", ", ".join(f"{k} {v}" for k, v in reasons))
    if overall.get("n"):
        rate = overall["win_rate"]
        ev = data.evaluation
        table.add_row(f"eval {ev['a']['label']} vs {ev['b']['label']}",
                      f"W/T/L {overall['wins']}/{overall['ties']}/{overall['losses']}, win rate "
                      f"{rate['point']:.3f} [{rate['low']:.3f}, {rate['high']:.3f}]")
    console.print(table)


@app.command("eval")
def eval_command(
    a: Path = typer.Argument(..., help="Side A: a JSONL/Parquet file or a run directory."),
    b: Path = typer.Argument(..., help="Side B: a JSONL/Parquet file or a run directory."),
    judge: list[str] = typer.Option([], "--judge", "-j", help="Judge model spec; repeat for a panel."),
    n_judges: int | None = typer.Option(None, "--n-judges", min=1,
                                        help="Judges per pair (cycles through --judge specs)."),
    temperature: float = typer.Option(0.3, "--temperature", min=0.0, max=2.0),
    out: Path | None = typer.Option(None, "--out", "-o",
                                    help="eval.json path or folder (default: A's run dir, else "
                                         "./eval.json)."),
    text_field: str | None = typer.Option(None, "--field", help="Column holding the answer text."),
    prompt_field: str | None = typer.Option(None, "--prompt-field", help="Column holding the prompt."),
    category_field: str | None = typer.Option(None, "--category-field",
                                              help="Column to break results down by."),
    reference_field: str | None = typer.Option(None, "--reference-field",
                                               help="Column with reference answers (verifiable mode)."),
    resamples: int = typer.Option(2000, "--resamples", min=100, help="Bootstrap resamples."),
    seed: int = typer.Option(0, "--seed", help="Seed for judge sampling and the bootstrap."),
    concurrency: int = typer.Option(32, "--concurrency", min=1, help="Pairs judged at once."),
    cache: Path | None = typer.Option(None, "--cache", help="Request cache (default: next to eval.json)."),
) -> None:
    """Blind pairwise comparison of two datasets on the same prompts (and accuracy on verifiable ones)."""
    import asyncio

    from rich.progress import Progress

    from hadron.qa.eval import EvalOptions, run_eval, write_eval
    from hadron.qa.pairs import FieldNames, join_sides, load_side, side_label

    names = FieldNames(text=text_field, prompt=prompt_field, category=category_field,
                       reference=reference_field)
    label_a, label_b = side_label(a), side_label(b)
    if label_a == label_b:
        label_a, label_b = f"A:{label_a}", f"B:{label_b}"
    joined = join_sides(load_side(a, names), load_side(b, names), label_a=label_a, label_b=label_b)
    options = EvalOptions(judges=judge, n_judges=n_judges, temperature=temperature, resamples=resamples,
                          seed=seed, concurrency=concurrency, label_a=label_a, label_b=label_b)
    target = out if out is not None else (a / "eval.json" if a.is_dir() else Path("eval.json"))
    eval_path = target / "eval.json" if target.is_dir() or not target.suffix else target
    cache_path = cache if cache is not None else eval_path.with_name("eval_cache.sqlite")
    console.print(f"{len(joined.pairs)} pairs joined on {joined.key}; {joined.unmatched_a} rows only in "
                  f"{label_a}, {joined.unmatched_b} only in {label_b}")
    with Progress(console=err_console, transient=True, disable=not options.judges) as progress:
        task = progress.add_task("judging", total=len(joined.pairs))
        result, records = asyncio.run(run_eval(joined, options, cache_path=cache_path,
                                               progress=lambda n: progress.advance(task, n)))
    path = write_eval(result, records, eval_path)
    _print_eval(result)
    console.print(f"results: {path}")


def _print_eval(result: dict[str, Any]) -> None:
    from rich.table import Table

    a, b = result["a"]["label"], result["b"]["label"]
    overall = result.get("overall")
    if overall and overall.get("n"):
        table = Table(title=f"{a} vs {b} (win rate counts ties as ½; 95% bootstrap CI)", title_justify="left")
        for column in ("slice", "n", f"{a} wins", "ties", f"{b} wins", "win rate [95% CI]"):
            table.add_column(column, justify="left" if column == "slice" else "right")
        for name, o in [("overall", overall), *sorted((result.get("by_category") or {}).items())]:
            if o.get("n"):
                r = o["win_rate"]
                table.add_row(name, str(o["n"]), str(o["wins"]), str(o["ties"]), str(o["losses"]),
                              f"{r['point']:.3f} [{r['low']:.3f}, {r['high']:.3f}]")
        console.print(table)
        if result.get("no_verdict"):
            console.print(f"{result['no_verdict']} pairs had no usable verdict from any judge")
    verifiable = result.get("verifiable")
    if verifiable and verifiable.get("n"):
        acc_a, acc_b = verifiable["a_accuracy"], verifiable["b_accuracy"]
        console.print(f"verifiable ({verifiable['n']} items): {a} accuracy {acc_a['point']:.3f} "
                      f"[{acc_a['low']:.3f}, {acc_a['high']:.3f}], {b} accuracy {acc_b['point']:.3f} "
                      f"[{acc_b['low']:.3f}, {acc_b['high']:.3f}]")
    length = result.get("length") or {}
    if length.get("longer_won_rate") is not None:
        console.print(f"length: {a} mean {length['a_mean_chars']:.0f} chars, "
                      f"{b} mean {length['b_mean_chars']:.0f}; the longer answer won "
                      f"{length['longer_won_rate']:.0%} of decisive pairs")


@app.command("push")
def push_command(
    run: Path = typer.Argument(..., help="The run directory."),
    repo: str = typer.Option(..., "--repo", help="Hugging Face dataset repo, ORG/NAME."),
    private: bool = typer.Option(False, "--private", help="Create the repo as private."),
    revision: str | None = typer.Option(None, "--revision", help="Branch to push to."),
    dry_run: bool = typer.Option(False, "--dry-run",
                                 help="Write the card and list the files; upload nothing."),
) -> None:
    """Upload a run (card, data, exports, report) to the Hugging Face Hub; needs HF_TOKEN."""
    from hadron.errors import ConfigError
    from hadron.qa.card import write_dataset_card
    from hadron.qa.push import REPO_ID, push_run, upload_plan

    if dry_run:
        if not REPO_ID.match(repo):
            raise ConfigError(f"invalid repo id {repo!r}; expected ORG/NAME")
        card = write_dataset_card(run, repo=repo)
        console.print(f"dataset card: {card}")
        for name in upload_plan(run):
            console.print(f"  would upload {name}")
        return
    result = push_run(run, repo, private=private, revision=revision)
    console.print(f"pushed {len(result['files'])} files to {result['url']}")
