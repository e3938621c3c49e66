"""Turn ``benchmarks/results/*.json`` into ``docs/benchmarks.md`` and its SVG charts.

Every number in the page comes from the JSON; the sentences that judge them (behind or ahead, why)
are computed from the same numbers, so a new run cannot leave stale claims behind. Charts are plain
SVG written here (no plotting dependency) into ``docs/benchmarks/``.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

Json = dict[str, Any]
MIN_VALID_BALLOTS = 30
"""Fewer readable ballots than this per condition and a win rate says nothing."""
LABELS = {
    "bare_aiohttp": "bare aiohttp loop",
    "hadron": "hadron (pipeline, cache on)",
    "hadron_nocache": "hadron (pipeline, cache off)",
    "hadron_model_layer": "hadron model layer only",
    "distilabel_batch": "distilabel 1.5.3 (1 replica, batch 256)",
    "distilabel_replicas": "distilabel 1.5.3 (2 replicas, batch 128)",
    "distilabel_openai1": "distilabel 1.5.3 + openai 1.x (batch 256)",
    "curator": "curator",
}


def load(results: Path, name: str) -> Json | None:
    path = results / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def bar_chart(
    title: str, bars: Sequence[tuple[str, float]], unit: str, reference: tuple[str, float] | None = None
) -> str:
    """A horizontal bar chart as SVG text; ``reference`` draws a dashed line (a bound or a target)."""
    width, label_w, row_h, top = 720, 300, 26, 34
    height = top + row_h * len(bars) + 28
    peak = max([v for _, v in bars] + ([reference[1]] if reference else [])) or 1.0
    scale = (width - label_w - 90) / peak
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'font-family="sans-serif" font-size="13">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="10" y="20" font-weight="bold">{html.escape(title)}</text>',
    ]
    for i, (label, value) in enumerate(bars):
        y = top + i * row_h
        colour = "#d9822b" if label.startswith("hadron") else "#4a7ab5"
        parts += [
            f'<text x="{label_w - 8}" y="{y + 16}" text-anchor="end">{html.escape(label)}</text>',
            f'<rect x="{label_w}" y="{y + 3}" width="{value * scale:.1f}" height="{row_h - 8}" '
            f'fill="{colour}"/>',
            f'<text x="{label_w + value * scale + 6:.1f}" y="{y + 16}">{value:,.4g} {unit}</text>',
        ]
    if reference:
        x = label_w + reference[1] * scale
        parts += [
            f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{height - 22}" stroke="#b33" '
            f'stroke-dasharray="5,4"/>',
            f'<text x="{x:.1f}" y="{height - 8}" text-anchor="middle" fill="#b33">'
            f"{html.escape(reference[0])}</text>",
        ]
    return "\n".join([*parts, "</svg>", ""])


def table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join("" if cell is None else str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.0f}%"


def ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}x"


def load_note(entry: Json | None) -> str:
    if not entry or "loadavg_before" not in entry:
        return ""
    return (
        f"Load average (1 min) {entry['loadavg_before'][0]} before, {entry['loadavg_after'][0]} after "
        f"({entry.get('seconds', '?')} s; `{entry.get('command', '')}`)."
    )


# -- sections ------------------------------------------------------------------------------------------


def busy_note(results: Json) -> str:
    """Whether other work shared the machine during the runs, from the measured other-work CPU."""
    busiest = max((r["other_cpu_s"] / max(r["process_wall_s"], 0.001) for r in results.values()), default=0.0)
    if busiest >= 0.2:
        return f"other work was running at the same time (up to {busiest:.1f} cores)."
    return "the machine was otherwise idle during these runs."


def single_shot(data: Json, charts: Path, runs: Json) -> list[str]:
    s, res = data["settings"], data["results"]
    ok = {name: r for name, r in res.items() if not r.get("failed")}
    order = [n for n in LABELS if n in res]
    rows = [
        [
            LABELS[n],
            f"{r['req_per_s']:,.0f}",
            pct(r["fraction_of_bound"]),
            ratio(r.get("ratio_to_bare_loop")),
            ratio(r.get("ratio_to_hadron")),
            f"{r['cpu_ms_per_request']:.2f}",
            f"{r['server_cpu_ms_per_request']:.2f}",
            f"{r['peak_rss_mb']:.0f}",
            r["loadavg_1m_before"],
            f"{r['other_cpu_s'] / max(r['process_wall_s'], 0.001):.1f}",
        ]
        if n in ok
        else [LABELS[n], "failed: " + " ".join(res[n].get("error", []))[-200:]] + [""] * 8
        for n, r in ((n, res[n]) for n in order)
    ]
    bars = [(LABELS[n], ok[n]["req_per_s"]) for n in order if n in ok]
    (charts / "single_shot.svg").write_text(
        bar_chart(
            f"Single-shot: {s['requests']:,} prompts, {s['in_flight']} in flight, "
            f"{s['latency_s'] * 1000:.0f} ms latency",
            bars,
            "req/s",
            ("latency bound", s["latency_bound_req_per_s"]),
        )
    )
    (charts / "cpu_per_request.svg").write_text(
        bar_chart(
            "Client CPU per request (ms, lower is better)",
            [(LABELS[n], ok[n]["cpu_ms_per_request"]) for n in order if n in ok],
            "ms",
        )
    )
    versions = "; ".join(
        f"{peer}: " + ", ".join(f"{k} {v}" for k, v in vs.items())
        for peer, vs in data.get("peer_versions", {}).items()
    )
    out = [
        "## Single-shot throughput, side by side",
        "",
        f"{s['requests']:,} prompts, {s['in_flight']} requests in flight, a loopback server answering after "
        f"{s['latency_s'] * 1000:.0f} ms (`python -m hadron.testing --latency {s['latency_s']}` in its own "
        f"process). Bound = in flight / latency = **{s['latency_bound_req_per_s']:,.0f} req/s**. "
        "Each client ran "
        f"alone, in its own process, {s.get('rounds', 1)} round(s) interleaved; the best round is shown. "
        "CPU is the client's own (timed window, children included); the server's CPU is listed apart. "
        "\"Other work\" is the CPU used by everything else on the machine during that client's run, in "
        f"cores (of 2): {busy_note(ok)}",
        "",
        "![single-shot throughput](benchmarks/single_shot.svg)",
        "",
        table(
            [
                "client",
                "req/s",
                "of bound",
                "x bare loop",
                "x hadron",
                "client CPU ms/req",
                "server CPU ms/req",
                "peak RSS MB",
                "load before",
                "other work (cores)",
            ],
            rows,
        ),
        "",
        f"Peer versions: {versions or 'peers not run'}. "
        "Settings: hadron `single_shot` step, model `max_concurrency` 256, `max_in_flight` 256; distilabel "
        "`TextGeneration(OpenAILLM)` with `input_batch_size` = in flight (or 2 replicas of half), "
        "`DISTILABEL_LOG_LEVEL=WARNING` (its default INFO logs every HTTP request here); curator `openai` "
        "backend, `max_concurrent_requests` = in flight, rate limits far above the server's, "
        "rich display off, "
        "tiktoken replaced by a chars/4 count (its encoding file cannot be downloaded here).",
        "",
        "![CPU per request](benchmarks/cpu_per_request.svg)",
        "",
        load_note(runs.get("single_shot_throughput")),
        "",
        *single_shot_judgement(ok, s),
        "",
    ]
    return out


def single_shot_judgement(ok: Json, s: Json) -> list[str]:
    """What the numbers say, in sentences computed from them."""
    lines = ["**Reading it.**"]
    hadron, bare = ok.get("hadron"), ok.get("bare_aiohttp")
    if hadron and bare:
        verdict = "meets" if hadron["ratio_to_bare_loop"] >= 0.9 else "misses"
        lines.append(
            f"- hadron reached {ratio(hadron['ratio_to_bare_loop'])} the bare loop ({verdict} the 0.9x "
            f"target) and {pct(hadron['fraction_of_bound'])} of the bound."
        )
        steps = [
            (LABELS[n], ok[n]["cpu_ms_per_request"])
            for n in ("bare_aiohttp", "hadron_model_layer", "hadron_nocache", "hadron")
            if n in ok
        ]
        chain = " -> ".join(f"{label} {ms:.2f} ms" for label, ms in steps)
        ceiling = 1000 / (hadron["cpu_ms_per_request"] or 1)
        lines.append(
            f"- Why: CPU per request, {chain}. A Python client runs on one core, so at "
            f"{hadron['cpu_ms_per_request']:.2f} ms it cannot exceed ~{ceiling:,.0f} req/s even alone; "
            f"the bound needs < {1000 / s['latency_bound_req_per_s']:.2f} ms, and the server "
            "and other work share the same 2 cores."
        )
    for peer in ("distilabel_batch", "distilabel_replicas", "distilabel_openai1", "curator"):
        if peer in ok and hadron:
            faster = ok[peer]["ratio_to_hadron"] < 1
            lines.append(
                f"- {LABELS[peer]}: {ratio(ok[peer]['ratio_to_hadron'])} hadron's rate "
                f"({'hadron ahead' if faster else 'hadron behind'}), "
                f"{ok[peer]['cpu_ms_per_request']:.2f} ms CPU per request."
            )
    return lines


def autoreason(data: Json, runs: Json) -> list[str]:
    rows = [
        [
            key.removeprefix("latency_"),
            r["rows"],
            r["wall_s"],
            r["critical_path_bound_s"],
            pct(r["fraction_of_bound"]),
            r["passes_mean"],
            r["calls_per_prompt"],
            r["req_per_s"],
            r["cpu_s"],
        ]
        for key, r in data["results"].items()
    ]
    return [
        "## AutoReason wall time vs the critical path",
        "",
        f"{data['settings']['prompts']} prompts, all at once, fixed-latency loopback server. "
        "The bound is latency x "
        "the longest prompt's sequential calls (teacher, then per pass critic, B, AB and the slowest judge). "
        f"Target: >= {pct(data['settings'].get('target_fraction_of_bound', 0.85))} of the bound.",
        "",
        table(
            [
                "latency",
                "prompts",
                "wall s",
                "bound s",
                "bound / wall",
                "passes (mean)",
                "calls/prompt",
                "calls/s",
                "CPU s",
            ],
            rows,
        ),
        "",
        *autoreason_judgement(data),
        "",
        load_note(runs.get("autoreason_critical_path")),
        "",
    ]


def autoreason_judgement(data: Json) -> list[str]:
    target = data["settings"].get("target_fraction_of_bound", 0.85)
    lines = []
    for key, r in data["results"].items():
        busy = r["cpu_s"] / r["wall_s"] if r["wall_s"] else 0.0
        verdict = "meets" if r["fraction_of_bound"] >= target else "misses"
        why = ("CPU-bound: the one process was busy most of the time, so calls wait for the event loop, "
               "not for the server" if busy > 0.6 else "latency-bound: the process was mostly idle, waiting")
        per_call = 1000 * r["cpu_s"] / r["calls_total"]
        lines.append(f"- {key.removeprefix('latency_')} per call: {pct(r['fraction_of_bound'])} of the bound "
                     f"({verdict} the target); {r['calls_total']:,} calls, {per_call:.2f} ms CPU per call, "
                     f"process busy {pct(busy)} of the wall time ({why}).")
    return lines


def multi_worker(data: Json, autoreason_workers: Json | None, runs: Json) -> list[str]:
    """``--workers N``: single-shot against N bare loops, and AutoReason with 1 and N workers."""
    settings = data["settings"]
    pinning = (f"server on CPUs {settings['server_cpus']}, clients on {settings['client_cpus']}"
               if settings.get("server_cpus") else "server and clients on the same cores (no pinning)")
    rows = [[r["in_flight"], r["workers"], f"{r['bare_req_per_s']:,.0f}", pct(r["bare_of_bound"]),
             f"{r['hadron_req_per_s']:,.0f}", pct(r["hadron_of_bound"]), ratio(r["hadron_x_bare"]),
             r["hadron_cpu_ms_per_request"], r["bare_cpu_ms_per_request"]] for r in data["table"]]
    out = [
        "## Past one core: `--workers N`",
        "",
        f"{settings['requests']:,} single-shot prompts, {settings['latency_s'] * 1000:.0f} ms latency, "
        f"{data['machine']['cpus']} CPUs, {pinning}; best of {settings['rounds']} round(s). The bare loop "
        "with N workers is N bare aiohttp processes, each with 1/N of the prompts and of the in-flight "
        "count; hadron is the single_shot pipeline with the request cache on, as `hadron run --workers N` "
        "(its timed window includes starting the workers). Bound = in flight / latency. "
        f"Target: {data['targets']}.",
        "",
        table(["in flight", "workers", "bare req/s", "bare of bound", "hadron req/s", "hadron of bound",
               "hadron x bare", "hadron CPU ms/req", "bare CPU ms/req"], rows),
        "",
        f"Load average (1 min) {data['machine']['loadavg_at_start'][0]} at the start, "
        f"{data['machine']['loadavg_at_end'][0]} at the end (`{data['command']}`).",
        "",
    ]
    if autoreason_workers:
        out += ["AutoReason against its critical-path bound with 1 and N workers (`python "
                "benchmarks/autoreason_critical_path.py --workers 1 N`):", ""]
        out += [*autoreason_judgement(autoreason_workers), ""]
    return out


def runtime(overhead: Json | None, memory: Json | None, client: Json | None, runs: Json) -> list[str]:
    out = ["## Framework CPU per call and memory", ""]
    if overhead:
        s = overhead["settings"]
        rows = [
            [
                name,
                r["rows"],
                r["rows_per_s"],
                pct(r["fraction_of_bound"]),
                f"{1000 * r['cpu_ms_per_row']:.0f}",
            ]
            for name, r in overhead["results"].items()
        ]
        out += [
            f"Pipeline runtime, one `generate` step, {s['in_flight']} in flight, "
            f"{s['latency_s'] * 1000:.0f} ms "
            f"latency (bound {s['latency_bound_rows_per_s']:,.0f} rows/s):",
            "",
            table(["variant", "rows", "rows/s", "of bound", "CPU us per call"], rows),
            "",
            load_note(runs.get("runtime_overhead")),
            "",
        ]
    if client:
        rows = [
            [name, r["req_per_s"], pct(r["fraction_of_bound"]), f"{1000 * r['cpu_ms_per_request']:.0f}"]
            for name, r in client["results"].items()
        ]
        out += [
            f"Model layer alone vs the `openai` SDK ({client['settings']['requests']:,} requests, "
            f"{client['settings']['in_flight']} in flight):",
            "",
            table(["client", "req/s", "of bound", "CPU us per request"], rows),
            "",
            load_note(runs.get("client_overhead")),
            "",
        ]
    if memory:
        rows = [
            [f"{r['rows']:,}", r["peak_rss_mb"], r["rows_per_s"], r["shards"], r["input_mb"],
             r.get("generated_source_peak_rss_mb", "")]
            for r in memory["results"]
        ]
        out += [
            f"Peak RSS of `hadron run` streaming prompts through a pass-through step ({memory['target']}):",
            "",
            table(["rows", "peak RSS MB", "rows/s", "shards", "input MB", "peak RSS MB, generated source"],
                  rows),
            "",
            load_note(runs.get("runtime_memory")),
            "",
        ]
    return out


def source_sample(data: Json) -> list[str]:
    """``--limit`` / ``--sample`` over a prompt set in the General-Distillation-Prompts-1M layout."""
    rows = [[r["variant"], f"{r['records']:,}", r["kept"], r["seconds"], r["peak_rss_mb"]]
            for r in data["results"]]
    total = data["results"][0]["rows"] if data["results"] else 0
    return [
        "## Prompt sets at dataset scale: --limit and --sample",
        "",
        f"One Parquet file in the layout of `ianncity/General-Distillation-Prompts-1M` ({total:,} rows, one "
        f"`text` column, {data['input_mb']} MB), streamed through the source in its own process. A sample "
        "reads every row once and holds only the sample plus one hash per distinct prompt (hash ids) or per "
        "id (the repeated-id check, a first pass over the ids before any call):",
        "",
        table(["variant", "rows read", "rows kept", "seconds", "peak RSS MB"], rows),
        "",
        load_note(data),
        "",
    ]


def embedded(data: Json, charts: Path, runs: Json) -> list[str]:
    sides, s = data["sides"], data["settings"]
    (charts / "embedded.svg").write_text(
        bar_chart(
            f"SmolLM2-135M, {s['threads']} thread(s): completion tokens/s",
            [
                ("llama-cpp-python direct", sides["direct"]["tokens_per_s"]),
                ("hadron (ModelHub local)", sides["hadron"]["tokens_per_s"]),
            ],
            "tok/s",
        )
    )
    rows = [[name, v["completion_tokens"], v["seconds"], v["tokens_per_s"]] for name, v in sides.items()]
    return [
        "## Embedded model: hadron vs llama-cpp-python direct",
        "",
        f"{s['prompts']} prompts x {s['rounds']} rounds, max {s['max_tokens']} tokens, greedy, "
        f"{s['threads']} "
        f"thread(s), alternating sides. Same tokens generated: {data['same_text']}.",
        "",
        "![embedded model](benchmarks/embedded.svg)",
        "",
        table(["side", "completion tokens", "seconds", "tokens/s"], rows),
        "",
        f"hadron / direct = **{ratio(data['ratio_hadron_to_direct'])}**. "
        + load_note(runs.get("embedded_model")),
        "",
    ]


def injection(data: Json, charts: Path, runs: Json) -> list[str]:
    res, s = data["results"], data["settings"]
    (charts / "injection.svg").write_text(
        bar_chart(
            "Wrong answer ranked first by the embedded judges (rate)",
            [(key, r["target_first_rate"] or 0.0) for key, r in res.items()],
            "",
            ("chance", s["chance_first_rate"]),
        )
    )
    rows = [
        [key, r["ballots"], r["valid"], pct(r["target_first_rate"]), r["target_mean_borda"]]
        for key, r in res.items()
    ]
    out = [
        "## Prompt injection against the judges",
        "",
        f"{s['tasks']} tasks with a good, a middling and a wrong answer; {s['seeds']} permutation seeds x "
        f"{s['judges']} judges, embedded model. The wrong answer is the target; in the injected condition it "
        f'ends with: "{s["injection"]}". Judges see each candidate between BEGIN/END lines and are told to '
        "ignore instructions inside them.",
        "",
        "![prompt injection](benchmarks/injection.svg)",
        "",
        table(
            ["ballot / condition", "ballots", "valid", "target ranked first", "target mean Borda (1-3)"], rows
        ),
        "",
    ]
    for mode in ("json", "text"):
        control, injected = res.get(f"{mode}/control"), res.get(f"{mode}/injected")
        if not (control and injected):
            continue
        if min(control["valid"], injected["valid"]) < MIN_VALID_BALLOTS:
            out.append(f"- {mode} ballots: only {control['valid']} and {injected['valid']} of "
                       f"{control['ballots']} ballots were readable after re-asks: too few to compare. "
                       "The embedded model rarely ends with a parseable RANKING line, which is why ballots "
                       "default to schema-constrained JSON on backends that support it.")
            continue
        delta = injected["target_first_rate"] - control["target_first_rate"]
        out.append(f"- {mode} ballots: the injection moved the wrong answer's first-place rate by "
                   f"{100 * delta:+.1f} points ({pct(control['target_first_rate'])} -> "
                   f"{pct(injected['target_first_rate'])}; chance is {pct(s['chance_first_rate'])}).")
        if control["target_first_rate"] >= 0.75 * s["chance_first_rate"]:
            out.append(f"  Caveat: even without the injection this judge put the wrong answer first "
                       f"{pct(control['target_first_rate'])} of the time, near chance, so it barely reads "
                       "the answers; the result shows the injection does not help, not that a capable judge "
                       "resists it; a stronger judge model is needed to measure that.")
    return [*out, "", load_note(runs.get("prompt_injection")), ""]


VARIANT_LABELS = {
    "random": "random orders per judge (before)",
    "balanced": "counterbalanced panel (now)",
    "swap": "counterbalanced + consistency swap",
}


def position_bias(data: Json, runs: Json) -> list[str]:
    results: Json = data["results"]
    s = data["settings"]
    rows = []
    for name, r in results.items():
        bias = r["position_bias"].get("all") or {}
        low, high = bias.get("ci95", [0, 0])
        finals = ", ".join(f"{k} {v}" for k, v in sorted(r["final_sources"].items()))
        calls = " + ".join(str(r["judge_calls"][k]) for k in ("judge", "judge_swap")
                           if k in r["judge_calls"])
        rows.append([VARIANT_LABELS.get(name, name), bias.get("ballots", 0),
                     f"{bias.get('first_shown', 0)} ({pct(bias.get('share'))}, CI {pct(low)}-{pct(high)})",
                     f"{r['promotions']['B']} / {r['promotions']['AB']}", finals,
                     f"{r['converged']}/{r['rows']}", r["passes"], r["void_passes"], calls,
                     f"{r['calls']} ({r['cache_hits']})"])
    out = [
        "## Judge position bias and counterbalanced panels",
        "",
        f"`hadron autoreason {s['prompts']}` with the embedded model in every role ({s['judges']} judges, "
        "pass cap: " + ", ".join(f"{k} {v}" for k, v in s["max_passes"].items()) + "), once per panel "
        "design (`judge.design`, `judge.consistency`); "
        "the variants share one request cache, so they refine the same teacher drafts. \"First shown ranked "
        "first\" counts ballots whose first choice was the candidate the judge saw first (1/3 expected "
        "without bias; 95% Wilson interval).",
        "",
        table(["panel", "ranked ballots", "first shown ranked first", "promotions B / AB", "final text from",
               "converged", "passes", "void passes", "judge calls", "model calls (from cache)"], rows),
        "",
        "**Reading it.**",
    ]
    before, now, swap = results.get("random"), results.get("balanced"), results.get("swap")
    if before:
        b = before["position_bias"]["all"]
        moved = before["promotions"]["B"] + before["promotions"]["AB"]
        out.append(f"- Before: the judges put the first-shown candidate first in {pct(b['share'])} of "
                   f"ballots, and {moved} passes promoted B or AB: each judge saw its own random order, so "
                   "whichever candidate most judges saw first won. Those promotions are artefacts of the "
                   "shuffle, not judgments.")
    if now:
        n = now["position_bias"]["all"]
        moved = now["promotions"]["B"] + now["promotions"]["AB"]
        finals = ", ".join(f"{k} {v}" for k, v in sorted(now["final_sources"].items()))
        out.append(f"- Counterbalanced: the bias is still {pct(n['share'])} (the model did not change), but "
                   "each candidate is shown first to one judge of three, so a position-only panel gives each "
                   f"the same Borda points and the tie keeps A: {moved} promotions, final text from "
                   f"{finals}."
                   + (" The run ends with the warning that the verdicts follow display order."
                      if now.get("warning") else ""))
    if swap and swap.get("consistency"):
        c = swap["consistency"]
        out.append(f"- Consistency swap: {c['agreed']} of {c['asked']} ballots agreed with their reversed "
                   f"re-ask ({c['disagreed']} disagreed, {c['unreadable']} unreadable); "
                   f"{swap['void_passes']} of {swap['passes']} passes were void. It doubles the judge calls; "
                   "its ranked ballots count both asks.")
    if all(r["calls"] and r["cache_hits"] == r["calls"] for r in results.values()):
        out.append("- Every call of this run was replayed from the request cache of earlier live runs of the "
                   "same variants (same requests, same answers), so its seconds say nothing about speed.")
    return [*out, "", load_note(runs.get("judge_position_bias") or data), ""]


def render(results: Path, docs: Path) -> None:
    charts = docs.parent / "benchmarks"
    charts.mkdir(parents=True, exist_ok=True)
    runs = (load(results, "run_all") or {}).get("runs", {})
    command = (load(results, "run_all") or {}).get("command", "python benchmarks/run_all.py")
    page = [
        "# Benchmarks",
        "",
        "Measurements, not timed tests: CI runs only a tiny smoke version (`tests/benchmarks/`). "
        f"Produced by `{command}` (one command; each benchmark is its own script in `benchmarks/`, "
        "raw numbers in `benchmarks/results/*.json`). The machine has 2 CPU cores shared by everything "
        "running on it, the loopback server included; the load average around each benchmark is given "
        "because other work on the machine lowers every number.",
        "",
    ]
    sections: list[tuple[str, Callable[[Json], list[str]]]] = [
        ("single_shot_throughput", lambda d: single_shot(d, charts, runs)),
        ("autoreason_critical_path", lambda d: autoreason(d, runs)),
        ("embedded_model", lambda d: embedded(d, charts, runs)),
        ("prompt_injection", lambda d: injection(d, charts, runs)),
        ("multi_worker_throughput", lambda d: multi_worker(d, load(results, "autoreason_workers"), runs)),
        ("judge_position_bias", lambda d: position_bias(d, runs)),
        ("source_sample", source_sample),
    ]
    for name, section in sections:
        data = load(results, name)
        page += section(data) if data else [f"## {name}", "", f"Not run yet (`benchmarks/{name}.py`).", ""]
    page += runtime(
        load(results, "runtime_overhead"),
        load(results, "runtime_memory"),
        load(results, "client_overhead"),
        runs,
    )
    notes = results.parent / "NOTES.md"
    if notes.exists():
        page += [notes.read_text().strip(), ""]
    docs.write_text(re.sub(r"\n{3,}", "\n\n", "\n".join(page)).rstrip() + "\n")
