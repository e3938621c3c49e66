"""AutoReason wall time vs its critical-path bound, against a loopback endpoint with fixed latency.

A fault-free ``hadron.testing`` fault server runs in its own process and answers every call after a
fixed latency; judges get a JSON ballot chosen by a hash of the request (so promotions and
convergence vary by prompt, as with a real panel). 200 prompts run through the pipeline runtime at
once. Within a prompt, calls are sequential except the judges of a pass, so the best possible wall
time is, per prompt, latency x (1 teacher call + for each pass: critic, author B, synthesizer, and the
slowest judge's asks), and for the run the maximum of that over prompts (prompts run in parallel).
Reported: wall time, the bound, bound / wall (target >= 0.85), calls per prompt and per pass.

    python benchmarks/autoreason_critical_path.py                       # 200 prompts, 100 ms
    python benchmarks/autoreason_critical_path.py --latency 1.0 --prompts 50
    python benchmarks/autoreason_critical_path.py --latency 0.1 --workers 1 8   # one process, then 8
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import resource
import subprocess
import sys
import tempfile
import threading
import time
from itertools import permutations
from pathlib import Path
from typing import Any

from machine import machine_info

RESULTS = Path(__file__).parent / "results" / "autoreason_critical_path.json"
ORDERS = [" > ".join(order) for order in permutations(("X1", "X2", "X3"))]


def judge_reply(body: dict[str, Any]) -> str | None:
    """A valid structured ballot for judge calls (a pure function of the request); None elsewhere."""
    if not body.get("response_format"):
        return None
    from hadron.core import canonical_json, stable_hash

    order = ORDERS[stable_hash(canonical_json(body["messages"])) % len(ORDERS)]
    return json.dumps({"reasoning": "one is clearer", "ranking": order})


def serve(latency: float) -> None:
    """The server process: print the base URL, answer until killed."""
    from hadron.testing.fault_server import FaultServer

    with FaultServer(latency_s=latency, reply=judge_reply, record=False) as server:
        print(server.base_url, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


def critical_path_calls(row: dict[str, Any]) -> int:
    """Sequential calls on one prompt's path: teacher, then per pass critic, B, AB (merge runs after B),
    and the judge that needed the most asks (judges run in parallel)."""
    calls = 1
    for entry in row["trace"]:
        calls += 1  # critic
        if entry.get("short_circuit"):
            continue
        mode = (entry.get("ab") or {}).get("mode")
        calls += 2 if mode == "merge" else 1  # B then AB, or both at once
        calls += max((ballot["asks"] for ballot in entry["ballots"]), default=0)
    return calls


async def run(url: str, prompts: int, latency: float, out: Path, synthesis: str,
              workers: int = 1) -> dict[str, Any]:
    from hadron.llm import parse_spec
    from hadron.runtime.pipeline import Pipeline
    from hadron.tasks.autoreason.step import AutoReason

    model = parse_spec(f"{url}#bench", max_concurrency=4096, adaptive=False, timeout_s=60)
    step = AutoReason(model=model.model_dump(), synthesis=synthesis)
    rows = [{"id": f"p{i:04d}", "prompt": f"Question {i}: explain topic {i} in two sentences."}
            for i in range(prompts)]
    cpu, wall = _cpu(), time.perf_counter()
    result = await Pipeline(rows, [step], max_in_flight=max(256, prompts)).run(out, progress="quiet",
                                                                                 workers=workers)
    cpu, wall = _cpu() - cpu, time.perf_counter() - wall
    done = [json.loads(line) for shard in sorted((out / "data").glob("part-*.jsonl"))
            for line in shard.read_text().splitlines() if line.strip()]
    paths = [critical_path_calls(row) for row in done]
    calls = [sum(usage["calls"] for usage in row["usage"].values()) for row in done]
    passes = sum(row["passes"] for row in done)
    bound = latency * max(paths)
    return {
        "rows": result.rows, "errors": result.errors, "wall_s": round(wall, 2), "cpu_s": round(cpu, 2),
        "critical_path_bound_s": round(bound, 2), "fraction_of_bound": round(bound / wall, 3),
        "passes_total": passes, "passes_mean": round(passes / len(done), 2),
        "passes_max": max(row["passes"] for row in done),
        "converged": sum(row["converged"] for row in done),
        "calls_total": sum(calls), "calls_per_prompt": round(sum(calls) / len(done), 2),
        "calls_per_pass": round((sum(calls) - len(done)) / passes, 2),
        "critical_path_calls_max": max(paths),
        "req_per_s": round(sum(calls) / wall, 1), "workers": workers,
    }


def _cpu() -> float:
    """CPU seconds of this process and its reaped children (the ``--workers`` processes)."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prompts", type=int, default=200)
    parser.add_argument("--latency", type=float, action="append",
                        help="seconds per call (repeatable; default 0.1 and 1.0)")
    parser.add_argument("--synthesis", default="merge", choices=["merge", "minimal_repair"])
    parser.add_argument("--workers", type=int, nargs="+", default=[1],
                        help="run with each of these --workers counts (e.g. 1 4)")
    parser.add_argument("--serve", type=float, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--no-save", action="store_true")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    if args.serve is not None:
        serve(args.serve)
        return
    results: dict[str, Any] = {}
    for latency, workers in [(lat, n) for lat in args.latency or [0.1, 1.0] for n in args.workers]:
        server = subprocess.Popen([sys.executable, __file__, "--serve", str(latency)],
                                  stdout=subprocess.PIPE, text=True)
        try:
            assert server.stdout is not None
            url = server.stdout.readline().strip()
            with tempfile.TemporaryDirectory() as tmp:
                measured = asyncio.run(run(url, args.prompts, latency, Path(tmp) / "run", args.synthesis,
                                           workers))
        finally:
            server.terminate()
            server.wait(timeout=10)
        key = f"latency_{latency:g}s" + (f"_workers_{workers}" if workers > 1 else "")
        results[key] = measured
        print(f"latency {latency:g}s, {workers} worker(s): {json.dumps(measured)}", flush=True)
    report = {
        "benchmark": "autoreason_critical_path",
        "settings": {"prompts": args.prompts, "synthesis": args.synthesis, "n_judges": 3, "k": 2,
                     "max_passes": 15, "target_fraction_of_bound": 0.85},
        "machine": machine_info(),
        "results": results,
        "note": "bound = latency x the longest prompt's sequential calls (teacher + per pass critic, B, AB, "
                "slowest judge); the server runs in its own process; the 2 cores are shared with it",
    }
    if not args.no_save:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
