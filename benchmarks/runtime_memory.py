"""Peak memory of the runtime when streaming a big prompt file through a pass-through pipeline.

Generates a 100,000-line and a 1,000,000-line JSONL prompt file in a temporary directory and runs
``hadron run`` (pass-through step, sharded JSONL output) on each in its own process. Reports the
process's peak RSS (``wait4`` rusage), wall time and rows/s. Target: under 300 MB and flat (about the
same at 100k and 1M rows). A second measurement feeds the same rows from a generator instead of the
JSONL source, which separates the runtime's own memory from the source's (its duplicate-id check keeps
one hash per row).

    python benchmarks/runtime_memory.py                    # 100k and 1M rows
    python benchmarks/runtime_memory.py --rows 20000 50000 # quick run
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

from machine import machine_info

RESULTS = Path(__file__).parent / "results" / "runtime_memory.json"

PIPELINE = """\
source: {path: prompts.jsonl}
steps:
  - step: passthrough
sink: {format: jsonl, shard_rows: 50000}
run: {max_in_flight: 256}
"""


def write_prompts(path: Path, rows: int) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        for i in range(rows):
            handle.write(json.dumps({"prompt": f"Prompt {i}: explain step by step why {i} * 7 = {i * 7}."})
                         + "\n")


GENERATED = """
import asyncio, sys
from hadron.runtime import Pipeline
from hadron.runtime.steps import Passthrough

class Generated:
    def rows(self, on_error=None):
        for i in range(int(sys.argv[1])):
            yield {"id": f"row-{i}", "prompt": f"Prompt {i}: explain step by step why {i} * 7 = {i * 7}."}

    def describe(self):
        return {"format": "generated"}

pipeline = Pipeline(Generated(), [Passthrough()], sink={"shard_rows": 50000})
asyncio.run(pipeline.run(sys.argv[2], progress="off"))
"""


def run_child(command: list[str], rows: int) -> tuple[float, float]:
    """Run ``command``; return (peak RSS in MB, wall seconds)."""
    start = time.monotonic()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.monotonic() - start
    if os.waitstatus_to_exitcode(status) != 0:
        stderr = process.stderr.read().decode() if process.stderr else ""
        raise SystemExit(f"{command[:4]} failed on {rows} rows:\n{stderr}")
    return usage.ru_maxrss / 1024, seconds


def measure(workdir: Path, rows: int) -> dict[str, Any]:
    write_prompts(workdir / "prompts.jsonl", rows)
    (workdir / "pipeline.yaml").write_text(PIPELINE)
    command = [sys.executable, "-c", "from hadron.cli import main; main()", "run",
               str(workdir / "pipeline.yaml"), "--out", str(workdir / "run"), "--quiet"]
    rss, seconds = run_child(command, rows)
    manifest = json.loads((workdir / "run" / "manifest.json").read_text())
    assert manifest["rows"] == rows, manifest["rows"]
    generated_rss, generated_seconds = run_child(
        [sys.executable, "-c", GENERATED, str(rows), str(workdir / "generated")], rows)
    return {"rows": rows, "peak_rss_mb": round(rss, 1), "seconds": round(seconds, 1),
            "rows_per_s": round(rows / seconds), "shards": len(manifest["shards"]),
            "input_mb": round((workdir / "prompts.jsonl").stat().st_size / 2**20, 1),
            "generated_source_peak_rss_mb": round(generated_rss, 1),
            "generated_source_rows_per_s": round(rows / generated_seconds)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    args = parser.parse_args()
    results = []
    for rows in args.rows:
        with tempfile.TemporaryDirectory(prefix="hadron-mem-") as tmp:
            result = measure(Path(tmp), rows)
        print(json.dumps(result), flush=True)
        results.append(result)
    report = {"benchmark": "runtime_memory", "machine": machine_info(),
              "target": "peak RSS < 300 MB and flat across sizes", "results": results}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
