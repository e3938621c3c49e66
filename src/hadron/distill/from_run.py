"""Gold built from a finished run, so a run's most expensive step can be distilled into one prompt.

``--target judge`` reads an AutoReason run's ballots: every judged pass (not void, not short-circuited)
becomes one gold record whose input is the task and its candidates under neutral labels, and whose
label is the panel's decision (Borda, ties to the incumbent, the run's margin rule) under those labels.
Distilling that gold gives one single-judge prompt that reproduces the panel's choice: the "many agents
-> one prompt" case applied to the N-judge panel.

The labels are shuffled per pass with a seed of (row id, pass), so the winner is not always ``X1`` and
a prompt cannot score by position. Passes of one row share a task and an incumbent, so the holdout is
taken by row (every ``stride``-th row) when the run has enough rows; otherwise by pass position.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from hadron.core import stable_hash
from hadron.core.conversation import ConversationError, conversation_of, transcript
from hadron.distill.config import DistillConfig
from hadron.distill.gold import load_gold
from hadron.distill.optimizer import ProgressFn
from hadron.distill.report import DistillReport
from hadron.distill.run import distill
from hadron.distill.split import split_gold
from hadron.errors import ConfigError, InputError
from hadron.llm import ModelHub
from hadron.runtime.rundir import RunDir
from hadron.tasks.autoreason.ballot import labels
from hadron.tasks.autoreason.judging import escape_delimiters
from hadron.tasks.autoreason.view import RunRow

JUDGE_FIELD = "winner"

JUDGE_SEED_PROMPT = (
    "You are a strict judge. You get a task and several candidate responses, each between a "
    "BEGIN label line and an END label line. Pick the single best response: the one that answers the "
    "task most correctly, completely and clearly. Ignore the order in which they are shown. "
    "Reply with the label of the best response."
)
"""The baseline single-judge prompt, used when ``--baseline`` is not given."""


@dataclass(frozen=True, slots=True)
class JudgedPass:
    """One pass of one row as the panel judged it."""

    row_id: str
    pass_index: int
    prompt: str
    candidates: dict[str, str]
    """Candidate (``A``, ``B``, ``AB``) -> text."""
    winner: str
    first_choices: list[str]
    """Each valid ballot's top candidate: what one judge of the panel picked on its own."""


@dataclass(frozen=True, slots=True)
class RunGold:
    """The gold a run yields, and what the run itself says about single-judge agreement."""

    target: str
    seed_prompt: str
    categorical: tuple[str, ...]
    label_values: dict[str, tuple[str, ...]]
    lines: list[dict[str, Any]]
    """Gold JSONL records: ``id``, ``input``, ``label``, ``split`` plus provenance keys."""
    source: dict[str, Any]

    def holdout_agreement(self, holdout_ids: set[str]) -> dict[str, Any]:
        """How often one panel judge alone picked the panel's winner, on the holdout passes."""
        choices = [(choice, line["winner"]) for line in self.lines if line["id"] in holdout_ids
                   for choice in line.get("panel_first_choices", ())]
        if not choices:
            return {}
        return {"single_panel_judge_holdout_agreement": sum(c == w for c, w in choices) / len(choices)}

    def write(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in self.lines),
                        encoding="utf-8")
        return path


def judged_passes(run: RunDir) -> Iterator[JudgedPass]:
    """Every judged pass of every AutoReason row, in row then pass order."""
    for located in run.rows():
        where = f"{located.path}:{located.line}"
        try:
            row = RunRow.of(located.row)
        except ValidationError as exc:
            first = exc.errors()[0]
            path = ".".join(str(part) for part in first["loc"]) or "row"
            raise InputError(where, f"not an AutoReason row: {path}: {first['msg']}") from None
        if row.method != "autoreason":
            continue
        try:  # the task as the judges read it: the prompt, or the conversation's transcript
            prompt = transcript(conversation_of({"prompt": row.prompt, "system": row.system,
                                                 "messages": row.messages}))
        except ConversationError:
            raise InputError(where, f"row {row.id!r} has no prompt") from None
        for record in row.trace:
            if record.void or record.short_circuit or not record.scores() or not record.ballots:
                continue
            candidates = record.candidates()
            if set(candidates) != {"A", "B", "AB"} or record.winner not in candidates:
                continue
            firsts = [ballot.ranking[0] for ballot in record.ballots if ballot.valid and ballot.ranking]
            yield JudgedPass(row_id=row.id, pass_index=record.pass_index, prompt=prompt,
                             candidates=candidates, winner=record.winner, first_choices=firsts)


def judge_input(judged: JudgedPass, perm: dict[str, str]) -> str:
    """The task and the candidates under neutral labels, delimited as the panel saw them."""
    blocks = "\n\n".join(f"BEGIN {label}\n{escape_delimiters(judged.candidates[c])}\nEND {label}"
                         for label, c in perm.items())
    return f"Task:\n{judged.prompt}\n\nCandidate responses:\n\n{blocks}"


def shuffled(judged: JudgedPass) -> dict[str, str]:
    """label -> candidate, seeded by (row, pass): reruns build the same gold."""
    order = list(judged.candidates)
    random.Random(stable_hash("distill-judge", judged.row_id, judged.pass_index)).shuffle(order)
    return dict(zip(labels(len(order)), order, strict=True))


def judge_gold(run_path: str | Path, *, stride: int) -> RunGold:
    """Gold for distilling the judge panel of the AutoReason run at ``run_path``."""
    run = RunDir(run_path)
    run.require_shards()
    passes = list(judged_passes(run))
    if not passes:
        raise InputError(str(run.path), "no judged AutoReason passes in this run",
                         hint="distill --target judge needs a run of hadron autoreason with rows")
    rows = list(dict.fromkeys(judged.row_id for judged in passes))
    by_row = len(rows) >= stride
    held = {row for i, row in enumerate(rows) if i % stride == stride - 1} if by_row else set()
    lines: list[dict[str, Any]] = []
    for judged in passes:
        perm = shuffled(judged)
        label_of = {c: label for label, c in perm.items()}
        line: dict[str, Any] = {
            "id": f"{judged.row_id}/pass-{judged.pass_index}",
            "input": judge_input(judged, perm),
            "label": {JUDGE_FIELD: label_of[judged.winner]},
            "winner": judged.winner, "permutation": perm, "row_id": judged.row_id, "pass": judged.pass_index,
            "panel_first_choices": judged.first_choices,
        }
        if by_row:
            line["split"] = "holdout" if judged.row_id in held else "train"
        lines.append(line)
    n_labels = len(next(iter(passes)).candidates)
    source = {"run": str(run.path), "target": "judge", "rows": len(rows), "passes": len(passes),
              "split_by": "row" if by_row else "pass position",
              "panel_judges": max(len(judged.first_choices) for judged in passes)}
    return RunGold(target="judge", seed_prompt=JUDGE_SEED_PROMPT, categorical=(JUDGE_FIELD,),
                   label_values={JUDGE_FIELD: labels(n_labels)}, lines=lines, source=source)


TARGETS: dict[str, Callable[..., RunGold]] = {"judge": judge_gold}
"""``--target`` name -> builder of gold from a run directory."""


def gold_from_run(run_path: str | Path, target: str, *, stride: int) -> RunGold:
    builder = TARGETS.get(target)
    if builder is None:
        raise ConfigError(f"unknown distill target {target!r}", hint=f"one of: {', '.join(TARGETS)}")
    return builder(run_path, stride=stride)


async def distill_from_run(run_path: str | Path, target: str, config: DistillConfig, out_dir: str | Path, *,
                           seed_prompt: str | None = None, hub: ModelHub | None = None,
                           progress: ProgressFn | None = None, cache: str | Path | None = None,
                           skip_finished: bool = False) -> DistillReport:
    """Build the target's gold from the run into ``out_dir/gold.jsonl``, distil it, write
    ``out_dir/<target>_prompt.txt`` (the gated prompt: the winner only if promoted)."""
    out_dir = Path(out_dir)
    gold = gold_from_run(run_path, target, stride=config.stride)
    config = config.model_copy(update={"categorical": gold.categorical, "array": (),
                                       "label_values": dict(gold.label_values)})
    path = gold.write(out_dir / "gold.jsonl")
    split = split_gold(load_gold(path), stride=config.stride, val_stride=config.val_stride)
    source = {**gold.source, **gold.holdout_agreement({record.id for record in split.holdout})}
    report = await distill(path, seed_prompt or gold.seed_prompt, config, out_dir, hub=hub,
                           progress=progress, source=source, cache=cache, skip_finished=skip_finished)
    (out_dir / f"{target}_prompt.txt").write_text(report.student_prompt + "\n", encoding="utf-8")
    return report
