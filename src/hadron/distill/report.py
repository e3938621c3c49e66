"""Files a run leaves in ``--out``: the prompt to deploy, every candidate, per-example holdout scores
(original ids), and the report as JSON and Markdown."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hadron.distill.config import DistillConfig
from hadron.distill.gate import ExampleScore, GateDecision
from hadron.distill.optimizer import OptimizeOutcome
from hadron.distill.split import GoldSplit
from hadron.llm import Tally
from hadron.redact import redact

FILES = ("student_prompt.txt", "winner_prompt.txt", "candidates.jsonl", "holdout_scores.jsonl",
         "result.json", "report.md")


@dataclass(frozen=True, slots=True)
class DistillReport:
    """Everything a run decided and measured; ``write_outputs`` writes it out."""

    gold_path: Path
    out_dir: Path
    config: DistillConfig
    split: GoldSplit
    baseline_prompt: str
    winner_prompt: str
    decision: GateDecision
    optimizer: OptimizeOutcome
    baseline_scores: list[ExampleScore]
    winner_scores: list[ExampleScore]
    reflection_calls: int
    seconds: float
    usage: dict[str, Tally] = field(default_factory=dict)
    source: dict[str, Any] = field(default_factory=dict)
    """Where the gold came from when hadron built it (``--from-run``); written into result.json."""

    @property
    def student_prompt(self) -> str:
        """The prompt to deploy: the winner if the gate promoted it, else the baseline."""
        return self.winner_prompt if self.decision.promoted else self.baseline_prompt


def write_outputs(report: DistillReport) -> None:
    out = report.out_dir
    out.mkdir(parents=True, exist_ok=True)
    _write(out / "student_prompt.txt", report.student_prompt + "\n")
    _write(out / "winner_prompt.txt", report.winner_prompt + "\n")
    best = report.optimizer.best_index
    _write(out / "candidates.jsonl", "".join(
        json.dumps({"index": c.index, "prompt": c.prompt, "parents": c.parents, "val_score": c.val_score,
                    "val_fields": c.val_fields, "discovered_at_metric_calls": c.discovered_at,
                    "best": c.index == best}, ensure_ascii=False) + "\n"
        for c in report.optimizer.candidates))
    winner = {score.id: score for score in report.winner_scores}
    _write(out / "holdout_scores.jsonl", "".join(
        json.dumps({"id": base.id, "baseline": _example(base), "winner": _example(winner[base.id])},
                   ensure_ascii=False) + "\n"
        for base in report.baseline_scores))
    _write(out / "result.json", json.dumps(result_dict(report), indent=2, ensure_ascii=False) + "\n")
    _write(out / "report.md", render_markdown(report))


def _write(path: Path, text: str) -> None:
    """Write via a temporary file so a killed run never leaves half a report."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(redact(text), encoding="utf-8")
    tmp.replace(path)


def _example(score: ExampleScore) -> dict[str, Any]:
    return {"score": score.score, "fields": score.fields, "notes": list(score.notes), "error": score.error}


def result_dict(report: DistillReport) -> dict[str, Any]:
    """The one JSON report: decision first, then the evidence, then what it cost."""
    decision, outcome, config = report.decision, report.optimizer, report.config
    gate_calls = len(report.split.holdout) * config.reps * (
        1 if report.winner_prompt == report.baseline_prompt else 2)
    usage = {role: tally.to_dict() for role, tally in sorted(report.usage.items())}
    total = sum(report.usage.values(), Tally())  # cost_usd None: no call had a known price (n/a, not $0)
    return {
        "promoted": decision.promoted,
        "reason": decision.reason,
        "winning_prompt": report.winner_prompt,
        "agreement": {"before": decision.baseline_mean,
                      "after": decision.winner_mean if decision.promoted else decision.baseline_mean},
        "gate": {
            "rule": decision.rule,
            "baseline_mean": decision.baseline_mean, "winner_mean": decision.winner_mean,
            "delta": decision.delta, "min_delta": decision.min_delta, "n": decision.n,
            "ci95": [decision.ci_low, decision.ci_high], "reps": config.reps,
            "fields": {name: {"baseline": base, "winner": win}
                       for name, (base, win) in decision.fields.items()},
        },
        "calls": {role: int(tally.calls) for role, tally in sorted(report.usage.items())},
        "cost_usd": None if total.unpriced and not total.cost_usd else round(total.cost_usd, 6),
        "unpriced_calls": total.unpriced,
        "saved_usd": round(total.saved_usd, 6),
        "budget": {
            "max_metric_calls": outcome.max_metric_calls, "metric_calls": outcome.metric_calls,
            "generations": config.generations, "iterations": outcome.iterations,
            "population": config.population,
            "reflection_calls": report.reflection_calls, "gate_student_calls": gate_calls,
            "max_seconds": config.max_seconds, "optimizer_seconds": round(outcome.seconds, 3),
            "stopped_by": outcome.stopped_by,
        },
        "seconds": round(report.seconds, 3),
        "split": {"train": len(report.split.trainset), "val": len(report.split.valset),
                  "holdout": len(report.split.holdout),
                  "holdout_ids": [record.id for record in report.split.holdout],
                  "optimizer_saw": sorted(outcome.seen_ids)},
        "candidates": len(outcome.candidates),
        "winner_index": outcome.best_index,
        "prompts": {"student": report.student_prompt, "baseline": report.baseline_prompt,
                    "winner": report.winner_prompt},
        "usage": usage,
        "gold": str(report.gold_path),
        "gold_digest": gold_digest(report.gold_path),
        **({"source": report.source} if report.source else {}),
        "run_dir": str(outcome.run_dir),
        "config": config.model_dump(mode="json"),
    }


class AlreadyDistilled(Exception):
    """``distill(..., skip_finished=True)`` found this very distillation finished in the out dir."""

    def __init__(self, out_dir: Path, saved: dict[str, Any]) -> None:
        super().__init__(f"{out_dir} already holds this distillation")
        self.out_dir = out_dir
        self.saved = saved


def gold_digest(path: Path) -> str:
    """What a rerun compares to know the gold did not change (``finished_result``)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def finished_result(out_dir: Path, *, gold_path: Path, seed_prompt: str,
                    config: DistillConfig) -> dict[str, Any] | None:
    """The saved ``result.json`` when ``out_dir`` already holds a distillation of the same gold file
    content, seed prompt and settings; None when it holds none or another one."""
    try:
        saved: dict[str, Any] = json.loads((out_dir / "result.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    same = (saved.get("gold_digest") == gold_digest(gold_path)
            and (saved.get("prompts") or {}).get("baseline") == seed_prompt
            and saved.get("config") == config.model_dump(mode="json"))
    return saved if same else None


def failed_answers(out_dir: Path) -> int:
    """Holdout answers of the saved run that could not be parsed (scored 0), baseline and winner."""
    path = out_dir / "holdout_scores.jsonl"
    if not path.is_file():
        return 0
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return sum(1 for line in lines for side in ("baseline", "winner") if (line.get(side) or {}).get("error"))


def render_markdown(report: DistillReport) -> str:
    d, o = report.decision, report.optimizer
    verdict = "PROMOTED" if d.promoted else "NOT PROMOTED"
    lines = [
        "# Prompt distillation report", "",
        f"**{verdict}**: {d.reason}.", "",
        "| | baseline | winner |", "| --- | --- | --- |",
        f"| holdout agreement (n={d.n}) | {d.baseline_mean:.4f} | {d.winner_mean:.4f} |",
        *(f"| field `{name}` | {base:.4f} | {win:.4f} |" for name, (base, win) in d.fields.items()),
        "",
        f"Delta {d.delta:+.4f}, paired bootstrap 95% CI [{d.ci_low:+.4f}, {d.ci_high:+.4f}], "
        f"min_delta {d.min_delta:.4f}, gate rule `{d.rule}`.", "",
        f"Budget: {o.metric_calls} / {o.max_metric_calls} metric calls, {o.iterations} generations "
        f"(population {report.config.population}), "
        f"{report.reflection_calls} reflection calls, {o.seconds:.1f} s in the optimizer "
        f"(stopped by {o.stopped_by}); {len(o.candidates)} candidates; run took {report.seconds:.1f} s.", "",
        f"Split: {len(report.split.trainset)} train, {len(report.split.valset)} validation, "
        f"{len(report.split.holdout)} holdout.", "",
        "## Student prompt (to deploy)", "", "```", report.student_prompt, "```", "",
    ]
    if report.winner_prompt != report.student_prompt:
        lines += ["## GEPA's best prompt (not promoted)", "", "```", report.winner_prompt, "```", ""]
    return "\n".join(lines)
