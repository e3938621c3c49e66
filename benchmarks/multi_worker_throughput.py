"""Single-shot throughput past one core: hadron ``--workers N`` vs N bare aiohttp loops, per in-flight.

The same loopback server as ``single_shot_throughput.py`` (fault-free, fixed latency, one process),
optionally pinned to its own cores (``--server-cpus``) with the clients on others (``--client-cpus``),
so the server is not what limits. For every in-flight count and worker count given:

- ``bare_loop``: N copies of ``peers/bare_aiohttp.py`` at once, each with 1/N of the prompts and of the
  in-flight count; req/s = all answers / the longest copy's timed window (start-up not counted);
- ``hadron``: ``peers/hadron_client.py --variant run`` (the single_shot pipeline into a run directory,
  request cache on), as ``hadron run --workers N``; req/s over its whole timed window, which includes
  starting the N worker processes (N = 1 is the one-process executor).

The worker and in-flight counts are arguments, so the script runs unchanged on a bigger machine:

    python benchmarks/multi_worker_throughput.py --workers 1 2 --in-flight 256 1024            # 2 cores
    python benchmarks/multi_worker_throughput.py --workers 1 2 4 8 --in-flight 256 1024 \\
        --requests 40000 --server-cpus 0-3 --client-cpus 4-15                                  # 16 cores
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
from single_shot_throughput import PEERS, cpu_times, machine, pinned, start_server, write_prompts  # noqa: E402

RESULTS = HERE / "results" / "multi_worker_throughput.json"


def _launch(script: str, url: str, prompts: Path, in_flight: int, workdir: Path, variant: str,
            workers: int, cpus: str | None) -> subprocess.Popen[str]:
    workdir.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, str(PEERS / script), "--url", url, "--prompts", str(prompts), "--in-flight",
               str(in_flight), "--workdir", str(workdir), "--variant", variant, "--workers", str(workers)]
    return subprocess.Popen(pinned(cpus, command), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _collect(processes: list[subprocess.Popen[str]]) -> list[dict[str, Any]]:
    results = []
    for process in processes:
        out, err = process.communicate()
        if process.returncode != 0 or not out.strip():
            raise SystemExit(f"a client failed: {err.strip().splitlines()[-3:]}")
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


def run_bare(url: str, prompts: list[Path], in_flight: int, tmp: Path, cpus: str | None) -> dict[str, Any]:
    share = max(1, in_flight // len(prompts))
    processes = [_launch("bare_aiohttp.py", url, part, share, tmp / f"bare{i}", "default", 1, cpus)
                 for i, part in enumerate(prompts)]
    results = _collect(processes)
    answered = sum(r["answered"] for r in results)
    wall = max(r["wall_s"] for r in results)
    cpu = sum(r["cpu_s"] for r in results)
    return {"answered": answered, "wall_s": wall, "req_per_s": round(answered / wall, 1),
            "cpu_ms_per_request": round(1000 * cpu / max(answered, 1), 3)}


def run_hadron(url: str, prompts: Path, in_flight: int, workers: int, tmp: Path,
               cpus: str | None) -> dict[str, Any]:
    result = _collect([_launch("hadron_client.py", url, prompts, in_flight, tmp / f"hadron{workers}", "run",
                               workers, cpus)])[0]
    if result.get("errors"):
        raise SystemExit(f"hadron had {result['errors']} failed rows")
    return {key: result[key] for key in ("answered", "wall_s", "req_per_s", "cpu_ms_per_request")}


def split(path: Path, parts: int) -> list[Path]:
    lines = path.read_text().splitlines(keepends=True)
    out = []
    for i in range(parts):
        part = path.with_name(f"{path.stem}.{parts}.{i}.jsonl")
        part.write_text("".join(lines[i::parts]))
        out.append(part)
    return out


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument("--in-flight", type=int, nargs="+", default=[256, 1024])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--rounds", type=int, default=2, help="best of this many (interleaved)")
    parser.add_argument("--server-cpus", default=None, help="taskset list for the server, e.g. 0-3")
    parser.add_argument("--client-cpus", default=None, help="taskset list for the clients, e.g. 4-15")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    info = machine()
    runs: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="hadron-bench-workers-") as tmp_name:
        tmp = Path(tmp_name)
        prompts = write_prompts(tmp / "prompts.jsonl", args.requests)
        server, url = start_server(args.latency, args.server_cpus)
        try:
            for round_ in range(args.rounds):
                for in_flight in args.in_flight:
                    for workers in args.workers:
                        for client in ("bare_loop", "hadron"):
                            work = tmp / f"r{round_}-{in_flight}-{workers}-{client}"
                            load, server_cpu, started = os.getloadavg()[0], cpu_times(server.pid), time.time()
                            if client == "bare_loop":
                                parts = split(prompts, workers)
                                result = run_bare(url, parts, in_flight, work, args.client_cpus)
                            else:
                                result = run_hadron(url, prompts, in_flight, workers, work, args.client_cpus)
                            bound = in_flight / args.latency
                            result.update(client=client, in_flight=in_flight, workers=workers, round=round_,
                                          fraction_of_bound=round(result["req_per_s"] / bound, 3),
                                          server_cpu_s=round(cpu_times(server.pid) - server_cpu, 2),
                                          loadavg_1m_before=round(load, 2),
                                          seconds=round(time.time() - started, 1))
                            print(json.dumps(result), flush=True)
                            runs.append(result)
        finally:
            server.terminate()
            server.wait()
    report = summarize(runs, args, info)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {args.out}")
    return report


def summarize(runs: list[dict[str, Any]], args: argparse.Namespace, info: dict[str, Any]) -> dict[str, Any]:
    """Best round per (client, in flight, workers); hadron's ratio to the bare loop with as many workers."""
    best: dict[str, dict[str, Any]] = {}
    for run in runs:
        key = f"{run['client']}@{run['in_flight']}x{run['workers']}"
        if best.get(key, {}).get("req_per_s", -1) < run["req_per_s"]:
            best[key] = run
    table = []
    for in_flight in args.in_flight:
        for workers in args.workers:
            bare, hadron = best[f"bare_loop@{in_flight}x{workers}"], best[f"hadron@{in_flight}x{workers}"]
            table.append({"in_flight": in_flight, "workers": workers,
                          "bare_req_per_s": bare["req_per_s"], "bare_of_bound": bare["fraction_of_bound"],
                          "hadron_req_per_s": hadron["req_per_s"],
                          "hadron_of_bound": hadron["fraction_of_bound"],
                          "hadron_x_bare": round(hadron["req_per_s"] / bare["req_per_s"], 3),
                          "hadron_cpu_ms_per_request": hadron["cpu_ms_per_request"],
                          "bare_cpu_ms_per_request": bare["cpu_ms_per_request"]})
    info["loadavg_at_end"] = [round(x, 2) for x in os.getloadavg()]
    return {
        "benchmark": "multi_worker_throughput",
        "command": "python benchmarks/multi_worker_throughput.py " + " ".join(sys.argv[1:]),
        "settings": {"requests": args.requests, "latency_s": args.latency, "rounds": args.rounds,
                     "server_cpus": args.server_cpus, "client_cpus": args.client_cpus},
        "machine": info,
        "table": table,
        "all_runs": runs,
        "targets": "1,024 in flight: hadron >= 0.9 of the bound with enough workers; 256 in flight, "
                   "1 worker: >= 0.95x the bare loop",
    }


if __name__ == "__main__":
    main()
