"""The local executor: one event loop, row-level scheduling, bounded rows in flight.

Source rows are read lazily and started as soon as a slot is free; each row runs through the graph on its
own (``RowFlow``) and is journaled the moment it finishes, whatever the other rows are doing. The bound
on rows in flight is the backpressure that keeps memory flat; how many model calls run at once is the
model layer's business (its per-endpoint limits), not a thread or process per step.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from hadron.core import Row
from hadron.errors import InputError
from hadron.llm.accounting import add_roles
from hadron.runtime.checkpoint import DoneSet, Journal
from hadron.runtime.records import Outcome
from hadron.runtime.rowflow import RowFlow
from hadron.runtime.stats import RunStats


@dataclass
class Selection:
    """Which source rows this session runs."""

    done: DoneSet = field(default_factory=DoneSet)
    """Skipped: finished in an earlier session."""
    retry: dict[str, set[str]] | None = None
    """``--retry-errors``: only these sources, keeping only the records of their failed row ids."""

    def wants(self, source_id: str) -> bool:
        if self.retry is not None:
            return source_id in self.retry
        return source_id not in self.done


class Scheduler:
    def __init__(self, flow: RowFlow, journal: Journal, stats: RunStats, *, max_in_flight: int,
                 selection: Selection, on_outcome: Callable[[Outcome], None] | None = None) -> None:
        self.flow = flow
        self.journal = journal
        self.stats = stats
        self.max_in_flight = max_in_flight
        self.selection = selection
        self.on_outcome = on_outcome
        self.in_flight = 0

    async def run(self, rows: Iterator[Row]) -> None:
        """Feed every wanted row; return when all have been journaled (or raise, after cancelling)."""
        slots = asyncio.Semaphore(self.max_in_flight)
        tasks: set[asyncio.Task[None]] = set()
        failure: list[BaseException] = []

        def finished(task: asyncio.Task[None]) -> None:
            tasks.discard(task)
            slots.release()
            self.in_flight -= 1
            if not task.cancelled() and task.exception() is not None:
                failure.append(task.exception())  # type: ignore[arg-type]

        flusher = asyncio.create_task(self._flush_every(0.1))
        try:
            skipped = 0
            for row in rows:
                if failure:
                    break
                source_id = _row_id(row)
                if not self.selection.wants(source_id):
                    self.stats.rows_skipped += 1
                    skipped += 1
                    if skipped % 1000 == 0:
                        await asyncio.sleep(0)  # let Ctrl-C and the progress bar through
                    continue
                await slots.acquire()
                self.in_flight += 1
                self.stats.rows_in += 1
                task = asyncio.create_task(self._one(row))
                tasks.add(task)
                task.add_done_callback(finished)
            while tasks and not failure:
                await asyncio.wait(set(tasks), return_when=asyncio.FIRST_EXCEPTION)
            if failure:
                raise failure[0]
        finally:
            flusher.cancel()
            for task in list(tasks):
                task.cancel()
            if tasks:
                await asyncio.gather(*tasks, return_exceptions=True)
            with contextlib.suppress(asyncio.CancelledError):
                await flusher

    async def _one(self, row: Row) -> None:
        outcome = await self.flow.execute(row)
        self._take_usage(outcome)
        retry = self.selection.retry
        if retry is not None:
            failed = retry[outcome.source_id]
            if outcome.source_id not in failed:
                outcome.keep_only(failed)  # its other children were written before
        self.journal.record(outcome)
        stats = self.stats
        stats.rows_done += 1
        stats.rows_out += len(outcome.rows)
        stats.rows_failed += len(outcome.errors)
        for reject in outcome.rejects:
            stats.rejected[reject.reason] += 1
        if self.on_outcome is not None:
            self.on_outcome(outcome)

    def _take_usage(self, outcome: Outcome) -> None:
        """Move the source's and its children's tallies from the meter to the outcome (journaled with it;
        before ``keep_only``, so a retried source counts the calls of all its children)."""
        meter = self.flow.models.meter
        outcome.usage = meter.pop_row_roles(outcome.source_id)
        ids = [str(r["id"]) for r in outcome.rows] + [e.id for e in outcome.errors]
        ids += [r.id for r in outcome.rejects]
        for item_id in ids:
            if item_id != outcome.source_id:
                add_roles(outcome.usage, meter.pop_row_roles(item_id))

    async def _flush_every(self, seconds: float) -> None:
        """Rows that finish during a lull are on disk within ``seconds`` even if no other row follows."""
        while True:
            await asyncio.sleep(seconds)
            self.journal.flush()


def _row_id(row: Row) -> str:
    row_id = row.get("id")
    if isinstance(row_id, str) and row_id:
        return row_id
    raise InputError("source", f"row without a string `id`: {str(row)[:80]}",
                     hint="sources give every row an id; check the source's id_column")
