"""Reading a prompt set at dataset scale: ``--limit`` and ``--sample`` over 1.28M rows.

Builds a Parquet file in the layout of ``ianncity/General-Distillation-Prompts-1M`` (one string column,
``text``; 1.28M rows of ~170 characters) and a copy with an ``id`` column, then streams each through the
source (``open_source(...).rows()``) in its own process and reports wall time, rows read and peak RSS
(``wait4`` rusage). Variants: the first 1,000 rows (``limit``); a seeded 1,000-row reservoir sample with
hash ids (one pass; memory holds the sample plus one hash per distinct prompt); the same sample when the
input has ids (a first pass reads the ids to refuse repeats before any call, then the sample pass).

    python benchmarks/source_sample.py                 # 1.28M rows
    python benchmarks/source_sample.py --rows 100000   # quick run
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from machine import loadavg, machine_info

RESULTS = Path(__file__).parent / "results" / "source_sample.json"
WORDS = ("explain", "the", "difference", "between", "a", "process", "and", "a", "thread", "in", "detail",
         "with", "examples", "write", "code", "to", "prove", "why", "this", "works", "step", "by", "step")

CHILD = """
import json, sys
from hadron.data.sources import SourceConfig, open_source
source = open_source(SourceConfig.model_validate(json.loads(sys.argv[1])))
kept = sum(1 for _ in source.rows())
print(json.dumps({"kept": kept, "records": source.stats.records}))
"""


def write_parquet(path: Path, rows: int, *, ids: bool) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng, batch, writer = random.Random(0), 64_000, None
    for start in range(0, rows, batch):
        count = min(batch, rows - start)
        texts = [f"{start + i}: " + " ".join(rng.choice(WORDS) for _ in range(25)) for i in range(count)]
        columns: dict[str, Any] = {"text": texts}
        if ids:
            columns = {"id": [f"gdp-{start + i}" for i in range(count)], **columns}
        table = pa.table(columns)
        writer = writer or pq.ParquetWriter(path, table.schema)
        writer.write_table(table)
    assert writer is not None
    writer.close()


def run_child(options: dict[str, Any]) -> dict[str, Any]:
    start = time.monotonic()
    process = subprocess.Popen([sys.executable, "-c", CHILD, json.dumps(options)], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.monotonic() - start
    out = process.stdout.read().decode() if process.stdout else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(process.stderr.read().decode() if process.stderr else "child failed")
    counts = json.loads(out)
    return {"seconds": round(seconds, 1), "peak_rss_mb": round(usage.ru_maxrss / 1024, 1), **counts}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_280_000)
    parser.add_argument("--write", help=argparse.SUPPRESS)  # child mode: write one input file
    parser.add_argument("--ids", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.write:
        write_parquet(Path(args.write), args.rows, ids=args.ids)
        return
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="hadron-sample-") as tmp:
        plain, with_ids = Path(tmp) / "gdp.parquet", Path(tmp) / "gdp_ids.parquet"
        for path, ids in ((plain, []), (with_ids, ["--ids"])):  # a child writes, so this process stays small
            subprocess.run([sys.executable, __file__, "--rows", str(args.rows), "--write", str(path), *ids],
                           check=True)
        variants = {
            "limit 1000": {"path": str(plain), "prompt_column": "text", "limit": 1000},
            "sample 1000, hash ids": {"path": str(plain), "prompt_column": "text", "sample": 1000, "seed": 7},
            "sample 1000, input ids": {"path": str(with_ids), "prompt_column": "text", "sample": 1000,
                                       "seed": 7},
        }
        results = []
        for name, options in variants.items():
            result = {"variant": name, "rows": args.rows, **run_child(options)}
            print(json.dumps(result), flush=True)
            results.append(result)
        input_mb = round(plain.stat().st_size / 2**20, 1)
    report = {"benchmark": "source_sample", "machine": machine_info(),
              "input_mb": input_mb, "loadavg_before": [round(x, 2) for x in load_before],
              "loadavg_after": loadavg(),
              "seconds": round(sum(r["seconds"] for r in results), 1),  # the measured reads, not the writing
              "command": "python benchmarks/source_sample.py", "results": results}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
