"""``hadron eval``: blind pairwise comparison of two datasets on the same prompts.

Every pair goes to N judges, each in both presentation orders (A as Response 1, then B as Response 1):
for two candidates that is the complete counterbalanced design, within every judge.
``hadron.qa.eval_stats`` turns the verdicts into votes so that position bias cancels (the rule is in
its docstring), and each judge's share of first-slot verdicts is measured with the same meter as the
tournament's panels (``hadron.llm.panel``: Wilson interval, 50% expected without bias). Rows with a
reference answer are also checked directly (verifiable mode). Results: ``eval.json`` (what the report
reads) and ``eval_pairs.jsonl`` (every verdict, for auditing).
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import jinja2
from pydantic import BaseModel, Field

from hadron.core import stable_hash
from hadron.errors import ConfigError
from hadron.llm.errors import LLMError
from hadron.llm.panel import PositionBias
from hadron.qa import eval_stats as es
from hadron.qa.pairs import Joined, Pair
from hadron.qa.verify import check_answer
from hadron.redact import redact

if TYPE_CHECKING:  # the model layer is imported only when judges are asked
    from hadron.llm.hub import ModelHub

JUDGE_ROLE = "eval_judge"
ORDERS: tuple[Literal["A_first", "B_first"], ...] = ("A_first", "B_first")


class EvalOptions(BaseModel):
    """Settings of one comparison; saved into ``eval.json``."""

    judges: list[str] = Field(default_factory=list, description="Model specs; cycled to fill n_judges.")
    n_judges: int | None = Field(None, ge=1, description="Judges per pair (default: one per spec).")
    temperature: float = 0.3
    max_tokens: int = 1024
    max_reasks: int = 2
    resamples: int = Field(2000, ge=100)
    seed: int = 0
    concurrency: int = Field(32, ge=1)
    label_a: str = "A"
    label_b: str = "B"

    @property
    def panel(self) -> list[str]:
        count = self.n_judges or len(self.judges)
        return [self.judges[i % len(self.judges)] for i in range(count)] if self.judges else []


class PairwiseVerdict(BaseModel):
    """What a judge must answer: which slot is better, after a short reasoning."""

    reasoning: str = ""
    winner: Literal["1", "2", "tie"]


@dataclass(slots=True)
class Verdict:
    order: str
    side: es.Side | None
    slot: str | None
    reasks: int = 0
    error: str | None = None
    reasoning: str = ""


@dataclass(slots=True)
class Judged:
    pair: Pair
    votes: list[es.Side | None] = field(default_factory=list)
    verdicts: list[list[Verdict]] = field(default_factory=list)

    @property
    def outcome(self) -> es.Side | None:
        return es.pair_outcome(self.votes)


def _templates() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.PackageLoader("hadron.qa", "templates"), autoescape=False,
                              keep_trailing_newline=False, undefined=jinja2.StrictUndefined)


def judge_messages(prompt: str, first: str, second: str) -> list[dict[str, Any]]:
    template = _templates().get_template("pairwise_judge.j2")
    return [{"role": "system", "content": template.render(part="system")},
            {"role": "user", "content": template.render(part="user", prompt=prompt, first=first,
                                                        second=second)}]


async def _ask(model: Any, pair: Pair, judge: int, order: str, options: EvalOptions) -> Verdict:
    a_first = order == "A_first"
    first, second = (pair.text_a, pair.text_b) if a_first else (pair.text_b, pair.text_a)
    try:
        answer = await model.chat_json(
            judge_messages(pair.prompt, first, second), PairwiseVerdict, max_reasks=options.max_reasks,
            role=JUDGE_ROLE, route_key=pair.key, temperature=options.temperature,
            max_tokens=options.max_tokens, seed=stable_hash("hadron-eval", options.seed, pair.key, judge,
                                                            order) % 2**31,
            sample_index=judge)
    except LLMError as err:  # failures are records: this judge abstains on this pair
        return Verdict(order, None, None, error=f"{type(err).__name__}: {err}")
    value = answer.value
    if value is None:
        return Verdict(order, None, None, reasks=answer.reasks, error=answer.error)
    return Verdict(order, es.unblind(value.winner, a_first=a_first), value.winner, reasks=answer.reasks,
                   reasoning=value.reasoning)


async def judge_all(pairs: list[Pair], hub: ModelHub, options: EvalOptions,
                    progress: Callable[[int], None] | None = None) -> list[Judged]:
    """Ask every judge about every pair in both orders, at most ``concurrency`` pairs at a time."""
    panel = [hub.get(spec) for spec in options.panel]
    gate = asyncio.Semaphore(options.concurrency)

    async def one(pair: Pair) -> Judged:
        async with gate:
            judged = Judged(pair)
            asked = await asyncio.gather(*(_ask(model, pair, index, order, options)
                                           for index, model in enumerate(panel) for order in ORDERS))
            for first, second in zip(asked[0::2], asked[1::2], strict=True):
                judged.verdicts.append([first, second])
                judged.votes.append(es.judge_vote(first.side, second.side))
            if progress is not None:
                progress(1)
            return judged

    return list(await asyncio.gather(*(one(p) for p in pairs)))


def judge_stats(judged: list[Judged], options: EvalOptions) -> list[dict[str, Any]]:
    """Per judge: its votes, how often its two orders agreed, and how often it chose slot 1."""
    out = []
    for index, spec in enumerate(options.panel):
        votes = Counter(str(j.votes[index]) for j in judged)
        verdicts = [v for j in judged for v in j.verdicts[index]]
        decisive = [v for v in verdicts if v.slot in ("1", "2")]
        both = [j.verdicts[index] for j in judged if all(v.side is not None for v in j.verdicts[index])]
        out.append({
            "index": index, "model": spec,
            "votes": {"A": votes.get("A", 0), "B": votes.get("B", 0), "tie": votes.get("tie", 0),
                      "abstain": votes.get("None", 0)},
            "shown_first": {o: sum(v.order == o for v in verdicts) for o in ORDERS},
            "first_slot_rate": sum(v.slot == "1" for v in decisive) / len(decisive) if decisive else None,
            "position_bias": PositionBias(len(decisive), sum(v.slot == "1" for v in decisive),
                                          Fraction(len(decisive), 2)).to_json(),
            "order_consistency": sum(a.side == b.side for a, b in both) / len(both) if both else None,
            "invalid_verdicts": sum(v.side is None for v in verdicts),
            "reasks": sum(v.reasks for v in verdicts),
        })
    return out


def summarize_eval(judged: list[Judged], joined: Joined, options: EvalOptions,
                   usage: dict[str, Any] | None = None) -> dict[str, Any]:
    """Everything ``eval.json`` holds: overall and per-category outcomes, lengths, verifiable accuracy."""
    result: dict[str, Any] = {
        "version": 1, "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "a": {"label": options.label_a, "rows": joined.rows_a},
        "b": {"label": options.label_b, "rows": joined.rows_b},
        "join": {"key": joined.key, "pairs": len(joined.pairs), "unmatched_a": joined.unmatched_a,
                 "unmatched_b": joined.unmatched_b, "missing_text": joined.missing_text},
        "settings": options.model_dump(),
        "rule": ("Each judge sees both orders; a vote counts for a side only if the judge picks it in both "
                 "orders, otherwise tie; a judge with an unusable verdict in either order abstains. "
                 "Pair outcome = majority of votes (ties count zero). Win rate counts ties as half."),
    }
    pairs = joined.pairs
    if judged:
        decided = [j for j in judged if j.outcome is not None]
        outcomes: list[es.Side] = [j.outcome for j in decided if j.outcome is not None]
        boot = {"resamples": options.resamples, "seed": options.seed}
        result["overall"] = es.outcome_summary(outcomes, **boot)
        result["no_verdict"] = len(judged) - len(decided)
        categories = sorted({j.pair.category for j in decided if j.pair.category})
        result["by_category"] = {
            c: es.outcome_summary([j.outcome for j in decided if j.pair.category == c and j.outcome], **boot)
            for c in categories}
        result["judges"] = judge_stats(judged, options)
        result["length"] = es.length_bias([len(j.pair.text_a) for j in judged],
                                          [len(j.pair.text_b) for j in judged], [j.outcome for j in judged])
    else:
        result["length"] = es.length_bias([len(p.text_a) for p in pairs], [len(p.text_b) for p in pairs],
                                          [None] * len(pairs))
    verifiable = [p for p in pairs if p.reference is not None]
    if verifiable:
        checks = [(check_answer(p.text_a, p.reference or ""), check_answer(p.text_b, p.reference or ""))
                  for p in verifiable]
        accuracy = es.accuracy_summary([a.correct for a, _ in checks], [b.correct for _, b in checks],
                                       resamples=options.resamples, seed=options.seed)
        accuracy["modes"] = dict(Counter(a.mode for a, _ in checks))
        result["verifiable"] = accuracy
    if usage:
        result["usage"] = usage
    return result


def pair_records(judged: list[Judged], joined: Joined) -> list[dict[str, Any]]:
    """One audit record per pair for ``eval_pairs.jsonl``."""
    by_key = {j.pair.key: j for j in judged}
    records = []
    for pair in joined.pairs:
        record: dict[str, Any] = {"key": pair.key, "id_a": pair.id_a, "id_b": pair.id_b,
                                  "category": pair.category, "len_a": len(pair.text_a),
                                  "len_b": len(pair.text_b)}
        j = by_key.get(pair.key)
        if j is not None:
            record["outcome"] = j.outcome
            record["votes"] = list(j.votes)
            record["verdicts"] = [[{"order": v.order, "slot": v.slot, "side": v.side, "reasks": v.reasks,
                                    "error": v.error, "reasoning": v.reasoning[:2000]} for v in pair_v]
                                  for pair_v in j.verdicts]
        if pair.reference is not None:
            record["reference"] = pair.reference
            record["correct_a"] = check_answer(pair.text_a, pair.reference).correct
            record["correct_b"] = check_answer(pair.text_b, pair.reference).correct
        records.append(record)
    return records


async def run_eval(joined: Joined, options: EvalOptions, *, hub: ModelHub | None = None,
                   cache_path: Path | None = None, progress: Callable[[int], None] | None = None,
                   ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Judge (when judges are set) and check (when references exist) every pair."""
    if not joined.pairs:
        raise ConfigError("the two datasets share no prompts (joined on id, then on prompt text)")
    if not options.judges and not any(p.reference is not None for p in joined.pairs):
        raise ConfigError("nothing to evaluate: give --judge MODEL, or rows with reference answers")
    judged: list[Judged] = []
    usage: dict[str, Any] | None = None
    if options.judges:
        from hadron.llm.hub import ModelHub

        own = hub is None
        active = hub or ModelHub(cache_path=cache_path)
        try:
            judged = await judge_all(joined.pairs, active, options, progress)
            tally = active.meter.by_role().get(JUDGE_ROLE)
            usage = tally.to_dict() if tally is not None else None
        finally:
            if own:
                await active.aclose()
    return summarize_eval(judged, joined, options, usage), pair_records(judged, joined)


def write_eval(result: dict[str, Any], records: list[dict[str, Any]], out: Path) -> Path:
    """Write ``eval.json`` at ``out`` (a file path, or a folder to put it in) and the pairs beside it."""
    path = out / "eval.json" if out.is_dir() or not out.suffix else out
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(redact(json.dumps(result, indent=2, ensure_ascii=False)) + "\n", encoding="utf-8")
    tmp.replace(path)
    pairs_path = path.with_name(path.stem + "_pairs.jsonl")
    lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    pairs_path.write_text(redact(lines), encoding="utf-8")
    return path
