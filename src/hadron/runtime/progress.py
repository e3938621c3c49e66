"""What a run shows while it works: a rich progress bar, a few plain lines (``--quiet``), and a
structured log file (``RUN/log.jsonl``, one JSON object per event, appended across sessions)."""

from __future__ import annotations

import json
import os
import sys
import time
import uuid
from pathlib import Path
from typing import IO, Any, Literal

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from hadron.llm.accounting import Meter, cost_text
from hadron.redact import redact
from hadron.runtime.records import utc_now
from hadron.runtime.stats import RunStats

ProgressMode = Literal["auto", "rich", "quiet", "off"]


class RunLog:
    """Appends events to ``RUN/log.jsonl``; every line carries the session id."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.session = uuid.uuid4().hex[:12]
        self._handle: IO[str] = open(path, "a", encoding="utf-8")  # noqa: SIM115 - closed by close()

    def event(self, name: str, **fields: Any) -> None:
        record = {"time": utc_now(), "session": self.session, "event": name, **fields}
        self._handle.write(redact(json.dumps(record, ensure_ascii=False, default=str)) + "\n")
        self._handle.flush()

    def close(self) -> None:
        self._handle.close()


def _fmt_eta(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{secs:02d}s"


class Reporter:
    """Shows rows done / failed / total, calls, cache hits, tokens/s, cost and ETA."""

    def __init__(self, mode: ProgressMode, stats: RunStats, meter: Meter, *, done_before: int = 0,
                 console: Console | None = None) -> None:
        if mode == "auto":
            mode = "rich" if sys.stderr.isatty() else "quiet"
        self.mode = mode
        self.stats = stats
        self.meter = meter
        self.done_before = done_before
        self.count_skipped = True
        """False for ``--retry-errors``: the total is the rows to retry, not the source."""
        self.total: int | None = None
        self.console = console or Console(stderr=True)
        self.started = time.monotonic()
        self._last = 0.0
        self._last_line = 0.0
        self._progress: Progress | None = None
        self._task: TaskID | None = None

    def start(self) -> None:
        if self.mode == "rich":
            self._progress = Progress(
                TextColumn("[bold]{task.description}"), BarColumn(),
                TextColumn("{task.completed}/{task.fields[total_text]} rows"),
                TextColumn("[red]{task.fields[failed]} failed"),
                TextColumn("{task.fields[calls]} calls ({task.fields[hits]} cached)"),
                TextColumn("{task.fields[tps]} tok/s"), TextColumn("${task.fields[cost]}"),
                TimeElapsedColumn(), TextColumn("eta"), TimeRemainingColumn(),
                console=self.console, transient=False, refresh_per_second=4)
            self._progress.start()
            self._task = self._progress.add_task("run", total=self.total, **self._fields())
        self.update(force=True)

    def set_total(self, total: int | None) -> None:
        self.total = total
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, total=total)

    def _fields(self) -> dict[str, Any]:
        tally = self.meter.total
        elapsed = max(time.monotonic() - self.started, 1e-6)
        return {"failed": self.stats.rows_failed, "calls": tally.calls, "hits": tally.cache_hits,
                "tps": f"{tally.completion_tokens / elapsed:.1f}",
                "cost": cost_text(tally.paid_usd, tally.unpriced),
                "total_text": "?" if self.total is None else str(self.total)}

    @property
    def done(self) -> int:
        skipped = self.stats.rows_skipped if self.count_skipped else 0
        return self.done_before + skipped + self.stats.rows_done

    def eta(self) -> float | None:
        if self.total is None or not self.stats.rows_done:
            return None
        rate = self.stats.rows_done / max(time.monotonic() - self.started, 1e-6)
        return max(0, self.total - self.done) / rate

    def update(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last < 0.1:
            return
        self._last = now
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, completed=self.done, **self._fields())
        elif self.mode == "quiet" and (force or now - self._last_line >= 10.0):
            self._last_line = now
            self.line()

    def line(self, prefix: str = "hadron run") -> None:
        f = self._fields()
        total = f"/{self.total}" if self.total is not None else ""
        print(f"{prefix}: {self.done}{total} rows, {f['failed']} failed, "
              f"{self.stats.rows_rejected} rejected, {f['calls']} calls ({f['hits']} cached), "
              f"{f['tps']} tok/s, ${f['cost']}, eta {_fmt_eta(self.eta())}",
              file=sys.stderr, flush=True)

    def stop(self) -> None:
        if self._progress is not None:
            self.update(force=True)
            self._progress.stop()
            self._progress = None
        elif self.mode == "quiet":
            self.line("hadron run done")


def count_lines(path: str) -> int | None:
    """A fast row estimate for the ETA: newlines in a local, uncompressed file."""
    if not os.path.isfile(path) or path.endswith((".gz", ".bz2", ".xz", ".zst")):
        return None
    count = 0
    last = b"\n"
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            count += chunk.count(b"\n")
            last = chunk[-1:]
    return count + (last != b"\n")
