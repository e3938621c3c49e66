"""What counterbalancing the judge panel changes, with the embedded model on the bundled prompts.

Runs ``hadron autoreason PROMPTS`` once per panel variant, each in its own run directory:

- ``random``: each judge its own random display order (``judge.design: random``, the design before
  counterbalancing; same seeds, so the same prompts as the earlier code);
- ``balanced``: the counterbalanced panel (the default);
- ``swap``: balanced, plus ``judge.consistency: swap`` (every judge asked again, order reversed), one
  pass per prompt (it doubles the judge calls, and on 2 busy cores three passes took over an hour).

Reported per variant, from the run's ``autoreason_summary.json``: the share of ballots whose first choice
was the candidate shown first (with its Wilson interval), promotions, where the final texts came from,
convergence, passes, void passes, judge calls. The variants share one request cache (copied forward), so
the teacher's drafts and every request two variants have in common are answered once; "model seconds"
counts only calls made in that variant.

    python benchmarks/judge_position_bias.py                       # examples/prompts.jsonl, 3 variants
    python benchmarks/judge_position_bias.py --variants random balanced --work /tmp/bias
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
RESULTS = HERE / "results" / "judge_position_bias.json"
PROMPTS = HERE.parent / "examples" / "prompts.jsonl"
VARIANTS: dict[str, dict[str, Any]] = {
    "random": {"judge": {"design": "random"}},
    "balanced": {"judge": {"design": "balanced"}},
    "swap": {"judge": {"design": "balanced", "consistency": "swap"}, "max_passes": 1},
}


def run_variant(name: str, prompts: Path, work: Path, cache: Path | None) -> dict[str, Any]:
    out = work / name
    out.mkdir(parents=True, exist_ok=True)
    if cache is not None and cache.exists() and not (out / "cache.sqlite").exists():
        shutil.copyfile(cache, out / "cache.sqlite")
    config = work / f"{name}.json"  # JSON is YAML
    config.write_text(json.dumps(VARIANTS[name]))
    command = [sys.executable, "-c", "from hadron.cli import main; main()", "autoreason", str(prompts),
               "--out", str(out), "--config", str(config), "--quiet"]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{name}: hadron autoreason failed ({done.returncode}):\n{done.stderr[-2000:]}")
    summary = json.loads((out / "autoreason_summary.json").read_text())
    usage = summary.get("usage", {})
    return {
        "rows": summary["rows"], "converged": summary["converged"], "passes": summary["passes"],
        "promotions": summary["promotions"], "final_sources": summary["final_sources"],
        "ballots": summary["ballots"], "valid_after_reasks": summary["valid_after_reasks"],
        "void_passes": summary["void_passes"], "position_bias": summary["position_bias"],
        "consistency": summary.get("consistency"),
        "judge_calls": {role: usage[role]["calls"] for role in ("judge", "judge_swap") if role in usage},
        "calls": sum(u["calls"] for u in usage.values()),
        "cache_hits": sum(u["cache_hits"] for u in usage.values()),
        "model_seconds": round(sum(u["seconds"] for u in usage.values()), 1),
        "wall_seconds": round(seconds, 1),
        "warning": warning(done.stderr),
    }


def warning(stderr: str) -> str | None:
    """The run's position-bias warning, unwrapped (the terminal wraps it), or None."""
    text = " ".join(stderr.split())
    start = text.find("warning: the judges")
    return text[start:] if start >= 0 else None


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prompts", type=Path, default=PROMPTS)
    parser.add_argument("--variants", nargs="+", choices=list(VARIANTS), default=list(VARIANTS))
    parser.add_argument("--work", type=Path, default=None, help="where the run directories go (kept)")
    parser.add_argument("--cache", type=Path, default=None, help="a request cache to start from")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="hadron-bias-"))
    load = os.getloadavg()
    start = time.perf_counter()
    results: dict[str, Any] = {}
    cache = args.cache
    for name in args.variants:
        results[name] = run_variant(name, args.prompts, work, cache)
        cache = work / name / "cache.sqlite"
        print(f"{name}: {json.dumps(results[name]['position_bias'].get('all'))} "
              f"promotions {results[name]['promotions']} final {results[name]['final_sources']}", flush=True)
    data = {
        "settings": {"prompts": str(args.prompts.name), "variants": args.variants, "model": "local",
                     "judges": 3, "max_passes": {name: VARIANTS[name].get("max_passes", 3)
                                                 for name in args.variants}},
        "results": results,
        "seconds": round(time.perf_counter() - start, 1),
        "loadavg_before": [round(x, 2) for x in load],
        "loadavg_after": [round(x, 2) for x in os.getloadavg()],
        "command": "python benchmarks/judge_position_bias.py",
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(data, indent=2) + "\n")
    return data


if __name__ == "__main__":
    main()
