"""Orchestration overhead of the pipeline runtime against a loopback endpoint with fixed latency.

A fault-free ``hadron.testing`` fault server runs in its own process and answers every request after a
fixed latency (100 ms). A one-step ``generate`` pipeline runs N rows with 500 rows in flight (the model's
concurrency limit raised to match). With that latency the best possible rate is in_flight / latency
(5,000 rows/s); the runtime, the model client and the journal all cost CPU per row, and the report says
how close to the bound the whole stack gets. Measured with the request cache off (pure orchestration)
and on (the default for ``hadron run``: one SQLite write per call). Target: at least 90% of the bound.

A baseline sends the same calls straight through the model client (``model.chat``, same limit, no
pipeline): ``vs_client`` is pipeline rows/s over client calls/s, the runtime's own share of the cost
when the machine (two shared cores running client and server) cannot reach the bound at all.

    python benchmarks/runtime_overhead.py                          # 20,000 rows per setting
    python benchmarks/runtime_overhead.py --rows 5000 --latency 0.2
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from machine import machine_info

RESULTS = Path(__file__).parent / "results" / "runtime_overhead.json"


def start_server(latency: float) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "hadron.testing", "--latency", str(latency), "--no-record"],
        stdout=subprocess.PIPE, text=True,
    )
    assert process.stdout is not None
    return process, process.stdout.readline().strip()


def write_prompts(path: Path, rows: int, tag: str) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        for i in range(rows):
            handle.write(json.dumps({"id": f"{tag}{i}", "prompt": f"{tag} question {i}"}) + "\n")


async def run_pipeline(url: str, workdir: Path, rows: int, in_flight: int, cache: bool) -> dict[str, Any]:
    from hadron.data.sources import SourceConfig
    from hadron.llm import ModelHub
    from hadron.runtime import Pipeline
    from hadron.runtime.steps import Generate

    model = {"spec": f"{url}#bench", "max_concurrency": in_flight, "adaptive": False}
    hub = ModelHub(cache_path=workdir / "cache.sqlite" if cache else None)
    try:
        async def one_run(tag: str, count: int) -> tuple[float, float]:
            write_prompts(workdir / f"{tag}.jsonl", count, tag)
            pipeline = Pipeline(SourceConfig(path=str(workdir / f"{tag}.jsonl"), id_column="id"),
                                [Generate("answer", model=model, max_tokens=16)], max_in_flight=in_flight,
                                sink={"shard_rows": 10_000})
            cpu, wall = time.process_time(), time.perf_counter()
            result = await pipeline.run(workdir / f"run-{tag}", models=hub, progress="off")
            assert result.rows == count and result.errors == 0, (result.rows, result.errors)
            return time.perf_counter() - wall, time.process_time() - cpu

        await one_run("warmup", in_flight * 2)  # open the connection pool
        wall, cpu = await one_run("main", rows)
    finally:
        await hub.aclose()
    return {"rows": rows, "wall_s": round(wall, 2), "cpu_s": round(cpu, 2),
            "cpu_ms_per_row": round(1000 * cpu / rows, 3), "rows_per_s": round(rows / wall, 1)}


async def run_client(url: str, calls: int, in_flight: int) -> dict[str, Any]:
    """The same requests without the pipeline: ``in_flight`` concurrent ``model.chat`` calls."""
    from hadron.llm import ModelHub, parse_spec

    async with ModelHub() as hub:
        model = hub.get(parse_spec(f"{url}#bench", max_concurrency=in_flight, adaptive=False))
        gate = asyncio.Semaphore(in_flight)

        async def one(i: int, tag: str) -> None:
            async with gate:
                await model.chat(f"{tag} question {i}", max_tokens=16, role="generate", route_key=str(i),
                                 seed=i)

        await asyncio.gather(*(one(i, "warmup") for i in range(in_flight * 2)))
        cpu, wall = time.process_time(), time.perf_counter()
        await asyncio.gather(*(one(i, "main") for i in range(calls)))
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {"rows": calls, "wall_s": round(wall, 2), "cpu_s": round(cpu, 2),
            "cpu_ms_per_row": round(1000 * cpu / calls, 3), "rows_per_s": round(calls / wall, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--in-flight", type=int, default=500)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()

    server, url = start_server(args.latency)
    results: dict[str, Any] = {}
    try:
        results["client_only"] = asyncio.run(run_client(url, args.rows, args.in_flight))
        print("client_only", results["client_only"], flush=True)
        for name, cache in (("no_cache", False), ("with_cache", True)):
            with tempfile.TemporaryDirectory(prefix="hadron-overhead-") as tmp:
                results[name] = asyncio.run(run_pipeline(url, Path(tmp), args.rows, args.in_flight, cache))
            print(name, results[name], flush=True)
    finally:
        server.terminate()
        server.wait()

    bound = args.in_flight / args.latency
    for result in results.values():
        result["fraction_of_bound"] = round(result["rows_per_s"] / bound, 3)
        result["vs_client"] = round(result["rows_per_s"] / results["client_only"]["rows_per_s"], 3)
    report = {
        "benchmark": "runtime_overhead",
        "settings": {"rows": args.rows, "in_flight": args.in_flight, "latency_s": args.latency,
                     "latency_bound_rows_per_s": bound, "pipeline": "source -> generate -> sharded JSONL"},
        "machine": machine_info(),
        "target": "rows_per_s >= 90% of the latency bound",
        "results": results,
        "note": "cpu is this process only (the server runs in another process on the same cores)",
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
