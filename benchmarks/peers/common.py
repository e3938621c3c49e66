"""What every throughput client shares: read the prompts, time the job, print one JSON line.

Each client runs in its own process (peers in their own venvs), so this file imports nothing beyond
the standard library: ``from common import ...`` works in any interpreter once this folder is on
``sys.path``. CPU is this process plus any children it waited for (distilabel runs its steps in
worker processes), measured over the timed window only, so interpreter start-up is not counted.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


def arguments(description: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--url", required=True, help="OpenAI-compatible base URL, e.g. http://127.0.0.1:PORT/v1")
    parser.add_argument("--prompts", type=Path, required=True, help="JSONL with id and prompt")
    parser.add_argument("--in-flight", type=int, default=256)
    parser.add_argument("--max-tokens", type=int, default=16)
    parser.add_argument("--workdir", type=Path, required=True, help="scratch directory for caches/outputs")
    parser.add_argument("--variant", default="default", help="client-specific setting to try")
    parser.add_argument("--workers", type=int, default=1, help="hadron's --workers (other clients ignore it)")
    return parser.parse_args()


def read_prompts(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


@dataclass
class Timing:
    wall_s: float = 0.0
    cpu_s: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)


@contextmanager
def timed() -> Iterator[Timing]:
    timing = Timing()
    cpu, wall = _cpu(), time.perf_counter()
    try:
        yield timing
    finally:
        timing.wall_s = time.perf_counter() - wall
        timing.cpu_s = _cpu() - cpu


def report(client: str, requests: int, answered: int, timing: Timing, **extra: Any) -> None:
    """Print the one JSON line the orchestrator reads (the last line of stdout)."""
    result = {"client": client, "requests": requests, "answered": answered,
              "wall_s": round(timing.wall_s, 3), "cpu_s": round(timing.cpu_s, 3),
              "req_per_s": round(answered / timing.wall_s, 1) if timing.wall_s else 0.0,
              "cpu_ms_per_request": round(1000 * timing.cpu_s / max(answered, 1), 3),
              **timing.extra, **extra}
    sys.stdout.write("\n" + json.dumps(result) + "\n")
    sys.stdout.flush()
