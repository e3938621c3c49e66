"""Turn a ``RunSummary`` (and ``eval.json``) into the report's sections: charts and tables.

Each builder returns None when its data is absent, and the template skips that section, so one
report template serves AutoReason, agentic, NanoFlux and plain runs alike.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from hadron.llm.accounting import Tally, cost_text
from hadron.qa import charts
from hadron.qa.stats import Distribution, RunSummary
from hadron.runtime.rundir import STATS

TOP = 15


@dataclass(slots=True)
class Figure:
    title: str
    chart: charts.Chart
    note: str = ""


@dataclass(slots=True)
class Table:
    title: str
    columns: list[str]
    rows: list[list[str]]
    note: str = ""


@dataclass(slots=True)
class Section:
    id: str
    title: str
    figures: list[Figure] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.1%}"


def num(value: float | int | None) -> str:
    return "–" if value is None else charts.fmt_number(float(value))


def usd(cost: float, unpriced: int) -> str:
    """Dollars as shown: ``n/a`` when no call had a known price (never a made-up $0)."""
    text = cost_text(cost, unpriced)
    return text if text == "n/a" else f"${text}"


def top(counter: Counter[Any], limit: int = TOP) -> list[tuple[str, float]]:
    items = [(str(k), float(v)) for k, v in counter.most_common(limit)]
    rest = sum(counter.values()) - sum(v for _, v in items)
    return [*items, ("(other)", float(rest))] if rest > 0 else items


def dist_of(counter: Counter[int]) -> Distribution:
    dist = Distribution()
    for value, count in counter.items():
        dist.values[float(value)] += count
        dist.n += count
        dist.total += float(value) * count
    return dist


def hist(title: str, dist: Distribution, note: str = "") -> Figure:
    return Figure(title, charts.histogram(dist.histogram(), title=title), note)


def outcome_section(s: RunSummary) -> Section | None:
    if not (s.rows or s.errors or s.rejects):
        return None
    sec = Section("outcomes", "Rows: done, failed, rejected")
    sec.figures.append(Figure("Row outcomes", charts.hbar(
        [("done", s.rows), ("failed (errors.jsonl)", s.errors), ("rejected (rejects.jsonl)", s.rejects)],
        title="Row outcomes", colors=(charts.GOOD, charts.BAD, charts.WARN))))
    if s.reject_reasons:
        sec.figures.append(Figure("Discard / reject reasons", charts.hbar(top(s.reject_reasons),
                                                                           title="Reject reasons")))
    if s.errors:
        sec.tables.append(Table("Errors by type", ["error type", "rows"],
                                [[k, num(v)] for k, v in s.errors_by_type.most_common(TOP)]))
        sec.tables.append(Table("Errors by step", ["step", "rows"],
                                [[k, num(v)] for k, v in s.errors_by_step.most_common(TOP)]))
    if len(s.methods) > 1 or (s.methods and not s.tasks):
        sec.figures.append(Figure("Rows by method", charts.hbar(top(s.methods), title="Methods")))
    return sec


def coverage_section(s: RunSummary) -> Section | None:
    coverage = s.coverage()
    if not coverage:
        return None
    sec = Section("coverage", "Coverage by category")
    for name, counter in coverage.items():
        sec.figures.append(Figure(name, charts.hbar(top(counter), title=name)))
    return sec


def scores_section(s: RunSummary) -> Section | None:
    if not (s.numbers or s.lengths.n):
        return None
    sec = Section("scores", "Scores and lengths")
    rows = []
    for name, dist in sorted(s.numbers.items()):
        d = dist.describe()
        rows.append([name, num(d["n"]), num(d["mean"]), num(d["median"]), num(d["min"]), num(d["max"])])
        sec.figures.append(hist(name, dist))
    if s.lengths.n:
        d = s.lengths.describe()
        rows.append(["final text length (chars)", num(d["n"]), num(d["mean"]), num(d["median"]),
                     num(d["min"]), num(d["max"])])
        sec.figures.append(hist("Final text length (characters)", s.lengths))
    sec.tables.append(Table("Distributions", ["column", "n", "mean", "median", "min", "max"], rows))
    return sec


def agentic_section(s: RunSummary) -> Section | None:
    if not s.agentic_rows:
        return None
    sec = Section("agentic", "Tool use (agentic episodes)")
    sec.notes.append(f"{num(s.agentic_rows)} episodes with tools; {num(s.tool_calls.total)} tool calls, "
                     f"{num(s.tool_calls.mean)} per episode on average.")
    sec.figures.append(hist("Tool calls per episode", s.tool_calls))
    if s.tool_names:
        sec.figures.append(Figure("Tools called", charts.hbar(top(s.tool_names))))
    if s.turns.n:
        sec.figures.append(hist("Assistant turns per episode", s.turns))
    return sec


def _usage_row(name: str, models: str, u: Tally) -> list[str]:
    return [name, models, num(u.calls), num(u.cache_hits), num(u.retries), num(u.reasks),
            num(u.prompt_tokens), num(u.completion_tokens), usd(u.cost_usd, u.unpriced),
            usd(u.saved_usd, u.unpriced), num(u.seconds), num(u.seconds_per_call)]


def usage_section(s: RunSummary) -> Section | None:
    if not s.usage:
        return None
    sec = Section("usage", "Tokens, cost and latency")
    columns = ["role", "model", "calls", "cache hits", "retries", "re-asks", "prompt tok", "completion tok",
               "cost", "saved (cache)", "seconds", "s / call"]
    models = s.role_models()
    rows = [_usage_row(role, ", ".join(sorted(models.get(role, ()))) or "–", u)
            for role, u in sorted(s.usage.items())]
    rows.append(_usage_row("total", "", s.usage_total()))
    sec.tables.append(Table("By role", columns, rows,
                            "Summed from each row's usage. Cost counts every answer at its price when "
                            "first made; “saved” is the part replayed from the cache, not paid again; "
                            "n/a: the model's price is unknown."))
    by_model = s.usage_by_model()
    sec.tables.append(Table("By model", ["model", *columns[2:]],
                            [_usage_row(m, "", u)[0:1] + _usage_row(m, "", u)[2:]
                             for m, u in sorted(by_model.items())]))
    roles = sorted(s.usage.items())
    sec.figures.append(Figure("Tokens by role", charts.hbar([(r, u.tokens) for r, u in roles])))
    if any(u.cost_usd for _, u in roles):
        sec.figures.append(Figure("Cost by role (USD)", charts.hbar(
            [(r, u.cost_usd) for r, u in roles], fmt=lambda v: f"${v:,.4f}")))
    latency = [(r, u.seconds_per_call) for r, u in roles if u.seconds_per_call is not None]
    if latency:
        sec.figures.append(Figure("Seconds per (uncached) call", charts.hbar(
            [(r, float(v)) for r, v in latency], fmt=lambda v: f"{v:.2f}s")))
    return sec


def _interval(d: dict[str, Any] | None) -> str:
    if not d:
        return "–"
    return f"{d['point']:.3f} [{d['low']:.3f}, {d['high']:.3f}]"


def eval_section(result: dict[str, Any]) -> Section | None:
    if not result:
        return None
    a, b = result.get("a", {}).get("label", "A"), result.get("b", {}).get("label", "B")
    sec = Section("eval", f"Blind evaluation: {a} vs {b}")
    join = result.get("join", {})
    sec.notes.append(f"{num(join.get('pairs'))} pairs joined on {join.get('key', '?')} "
                     f"({num(join.get('unmatched_a'))} rows only in {a}, {num(join.get('unmatched_b'))} only "
                     f"in {b}). {result.get('rule', '')}")
    overall = result.get("overall")
    if overall and overall.get("n"):
        sec.figures.append(Figure(f"Outcomes for {a} over {num(overall['n'])} pairs", charts.stacked(
            [(f"{a} wins", overall["wins"], "#59a14f"), ("tie", overall["ties"], "#bab0ac"),
             (f"{b} wins", overall["losses"], "#e15759")])))
        rows = [("overall", overall), *sorted((result.get("by_category") or {}).items())]
        ci_rows = [(name, o["win_rate"]["point"], o["win_rate"]["low"], o["win_rate"]["high"])
                   for name, o in rows if o.get("n")]
        sec.figures.append(Figure(f"Win rate of {a} (ties = ½), bootstrap 95% CI",
                                  charts.intervals(ci_rows), "0.5 = no difference."))
        sec.tables.append(Table("Win / tie / loss", ["slice", "n", "wins", "ties", "losses",
                                                     "win rate [95% CI]", "net (W−L)/n [95% CI]"],
                                [[name, num(o["n"]), num(o["wins"]), num(o["ties"]), num(o["losses"]),
                                  _interval(o.get("win_rate")), _interval(o.get("net"))]
                                 for name, o in rows if o.get("n")],
                                f"{num(result.get('no_verdict', 0))} pairs had no usable verdict."))
    judges = result.get("judges") or []
    if judges:
        sec.tables.append(Table("Judges", ["judge", "model", f"votes {a}", f"votes {b}", "tie", "abstain",
                                           "shown A first / B first", "chose slot 1", "orders agree",
                                           "invalid", "re-asks"],
                                [[str(j["index"]), j["model"], num(j["votes"]["A"]), num(j["votes"]["B"]),
                                  num(j["votes"]["tie"]), num(j["votes"]["abstain"]),
                                  "{} / {}".format(j["shown_first"].get("A_first", 0),
                                                   j["shown_first"].get("B_first", 0)),
                                  pct(j.get("first_slot_rate")), pct(j.get("order_consistency")),
                                  num(j.get("invalid_verdicts")), num(j.get("reasks"))] for j in judges],
                                "“Chose slot 1” far from 50% means position bias, which the both-orders "
                                "rule turns into ties."))
    length = result.get("length") or {}
    if length.get("n"):
        sec.tables.append(Table("Length (characters)", ["statistic", "value"], [
            [f"{a} mean / median", f"{num(length.get('a_mean_chars'))} / "
                                   f"{num(length.get('a_median_chars'))}"],
            [f"{b} mean / median", f"{num(length.get('b_mean_chars'))} / "
                                   f"{num(length.get('b_median_chars'))}"],
            [f"mean difference ({a} − {b})", num(length.get("mean_diff_chars"))],
            [f"{a} longer", pct(length.get("a_longer_rate"))],
            ["longer answer won (decisive pairs)", pct(length.get("longer_won_rate"))]],
            "Judges favour longer answers; a high “longer answer won” rate is a warning sign."))
    verifiable = result.get("verifiable")
    if verifiable and verifiable.get("n"):
        sec.figures.append(Figure(f"Accuracy on {num(verifiable['n'])} verifiable items, 95% CI",
                                  charts.intervals([(a, *_triple(verifiable["a_accuracy"])),
                                                    (b, *_triple(verifiable["b_accuracy"]))],
                                                   reference=None)))
        sec.tables.append(Table("Verifiable answers", ["statistic", "value"], [
            [f"{a} accuracy", _interval(verifiable.get("a_accuracy"))],
            [f"{b} accuracy", _interval(verifiable.get("b_accuracy"))],
            [f"difference ({a} − {b})", _interval(verifiable.get("difference"))],
            ["both right / only A / only B / both wrong",
             f"{verifiable.get('both_right')} / {verifiable.get('only_a')} / {verifiable.get('only_b')} / "
             f"{verifiable.get('both_wrong')}"],
            ["match modes", ", ".join(f"{k}: {v}" for k, v in (verifiable.get("modes") or {}).items())]]))
    return sec


def _triple(d: dict[str, float]) -> tuple[float, float, float]:
    return d["point"], d["low"], d["high"]


def distill_section(result: dict[str, Any], candidates: list[dict[str, Any]]) -> Section | None:
    """The promotion gate of a ``hadron distill`` run and the candidates GEPA found."""
    gate = result.get("gate")
    if not isinstance(gate, dict):
        return None
    verdict = "promoted" if result.get("promoted") else "not promoted"
    sec = Section("distill", "Prompt distillation (GEPA)")
    sec.notes.append(f"Winner {verdict}: {result.get('reason', '')}.")
    low, high = (gate.get("ci95") or [None, None])[:2]
    rows = [["baseline holdout agreement", num(gate.get("baseline_mean"))],
            ["winner holdout agreement", num(gate.get("winner_mean"))],
            ["delta [paired 95% CI]", f"{num(gate.get('delta'))} [{num(low)}, {num(high)}]"],
            ["min delta (strict)", num(gate.get("min_delta"))],
            ["gate rule", str(gate.get("rule") or "delta")],
            ["holdout n × reps", f"{gate.get('n')} × {gate.get('reps')}"]]
    budget = result.get("budget") or {}
    rows += [[f"budget: {k}", num(v) if isinstance(v, int | float) else str(v)] for k, v in budget.items()]
    sec.tables.append(Table("Gate", ["", "value"], rows))
    fields = gate.get("fields") or {}
    if fields:
        sec.tables.append(Table("Agreement by field", ["field", "baseline", "winner"],
                                [[k, num(v.get("baseline")), num(v.get("winner"))]
                                 for k, v in fields.items()]))
        sec.figures.append(Figure("Winner agreement by field", charts.hbar(
            [(k, float(v.get("winner") or 0.0)) for k, v in fields.items()])))
    scored = [(f"#{c.get('index')}" + (" (best)" if c.get("best") else ""), float(c["val_score"]))
              for c in candidates if isinstance(c.get("val_score"), int | float)]
    if scored:
        sec.figures.append(Figure("Validation score of each candidate", charts.hbar(scored[:TOP * 2])))
    return sec


def runtime_section(stats: dict[str, Any]) -> Section | None:
    """The runtime's own ``stats.json``, flattened to scalar leaves."""
    rows: list[list[str]] = []

    def walk(prefix: str, value: Any) -> None:
        if len(rows) >= 80:
            return
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        elif isinstance(value, bool | str):
            rows.append([prefix, str(value)])
        elif isinstance(value, int | float):
            rows.append([prefix, num(value)])

    walk("", stats)
    if not rows:
        return None
    return Section("runtime", f"Runtime stats ({STATS})", tables=[Table(STATS, ["key", "value"], rows)])
