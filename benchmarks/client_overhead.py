"""Client CPU cost per request against a loopback server (DESIGN.md §3).

A fault-free ``hadron.testing`` fault server runs in its own process with a fixed latency (200 ms);
each client sends N requests with 256 in flight. With that latency the best possible rate is
in_flight / latency (1,280 req/s); a client that burns CPU per request falls short of it. Reported
per client: process CPU seconds per request (this process only; the server's CPU is not counted),
achieved req/s, and the fraction of the latency bound reached.

    python benchmarks/client_overhead.py                   # 10,000 requests per client
    python benchmarks/client_overhead.py --requests 2000   # quick run
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any

from machine import machine_info

RESULTS = Path(__file__).parent / "results" / "client_overhead.json"

Send = Callable[[int], Awaitable[str]]


def start_server(latency: float) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "hadron.testing", "--latency", str(latency), "--no-record"],
        stdout=subprocess.PIPE, text=True,
    )
    assert process.stdout is not None
    return process, process.stdout.readline().strip()


async def drive(send: Send, requests: int, in_flight: int) -> dict[str, float]:
    """Send ``requests`` calls, ``in_flight`` at a time, after a short warm-up; time and CPU them."""
    await asyncio.gather(*(send(-i - 1) for i in range(min(in_flight, 64))))
    gate = asyncio.Semaphore(in_flight)

    async def one(i: int) -> None:
        async with gate:
            await send(i)

    cpu, wall = time.process_time(), time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(requests)))
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return {"requests": requests, "wall_s": round(wall, 3), "cpu_s": round(cpu, 3),
            "cpu_ms_per_request": round(1000 * cpu / requests, 3), "req_per_s": round(requests / wall, 1)}


async def run_hadron(url: str, requests: int, in_flight: int, cache: Path | None) -> dict[str, float]:
    from hadron.llm import ModelHub, parse_spec

    async with ModelHub(cache_path=cache) as hub:
        model = hub.get(parse_spec(f"{url}#bench", max_concurrency=in_flight, adaptive=False))

        async def send(i: int) -> str:
            return (await model.chat(f"question {i}", max_tokens=16)).text

        return await drive(send, requests, in_flight)


async def run_openai_sdk(url: str, requests: int, in_flight: int) -> dict[str, float]:
    import openai

    client = openai.AsyncOpenAI(base_url=url, api_key="unused", max_retries=0)

    async def send(i: int) -> str:
        reply = await client.chat.completions.create(
            model="bench", messages=[{"role": "user", "content": f"question {i}"}], max_tokens=16)
        return reply.choices[0].message.content or ""

    try:
        return await drive(send, requests, in_flight)
    finally:
        await client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--in-flight", type=int, default=256)
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()

    server, url = start_server(args.latency)
    results: dict[str, Any] = {}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            runs: dict[str, Callable[[], Coroutine[Any, Any, dict[str, float]]]] = {
                "hadron": lambda: run_hadron(url, args.requests, args.in_flight, None),
                "hadron_with_cache": lambda: run_hadron(url, args.requests, args.in_flight,
                                                        Path(tmp) / "cache.sqlite"),
                "openai_sdk": lambda: run_openai_sdk(url, args.requests, args.in_flight),
            }
            for name, run in runs.items():
                results[name] = asyncio.run(run())
                print(name, results[name], flush=True)
    finally:
        server.terminate()
        server.wait()

    bound = args.in_flight / args.latency
    for result in results.values():
        result["fraction_of_bound"] = round(result["req_per_s"] / bound, 3)
    report = {
        "benchmark": "client_overhead",
        "settings": {"requests": args.requests, "in_flight": args.in_flight, "latency_s": args.latency,
                     "latency_bound_req_per_s": bound},
        "machine": machine_info("aiohttp", "openai"),
        "results": results,
        "note": "cpu is this process only (the server runs in another process); the machine's 2 cores "
                "are shared with the server and anything else running",
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
