"""What the block executors (Ray, ``--workers N`` processes) share: reading the input once, one
``RaySession`` around the run, and the loop that keeps a bounded number of blocks in flight.

Each executor's driver subclasses ``BlockDriver`` with how a block is submitted and collected.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sized
from typing import TYPE_CHECKING, Any

from hadron.core import Row
from hadron.errors import InputError
from hadron.runtime.executors import RunResult
from hadron.runtime.executors.blocks import Block
from hadron.runtime.executors.ray_run import RaySession
from hadron.runtime.executors.ray_worker import BlockSpec
from hadron.runtime.session import InputErrors

if TYPE_CHECKING:
    from hadron.runtime.pipeline import Pipeline


def read_input(pipeline: Pipeline, *, strict: bool) -> tuple[Any, InputErrors, Iterator[Row]]:
    """The pipeline's source, its pending input errors and its rows, checked against the steps on the
    first row before anything starts (an input without rows is an error)."""
    source = pipeline.open_source()
    pending = InputErrors(strict=strict)
    rows = iter(source.rows(on_error=pending))
    first = next(rows, None)
    if first is None:
        raise InputError(str(pipeline.source_config().get("path", "<source>")), "no rows")
    pipeline.validate(first.keys())
    return source, pending, itertools.chain([first], rows)


async def run_session(session: RaySession, pending: InputErrors,
                      drive: Callable[[], Awaitable[None]]) -> RunResult:
    """Open ``session``, run ``drive``, and close it whatever happens (an interrupt is recorded)."""
    try:
        session.open()
        pending.attach(session.input_error)
        await drive()
        session.complete = True
    except (asyncio.CancelledError, KeyboardInterrupt):
        session.interrupted = True
        raise
    finally:
        session.close()
    assert session.manifest is not None
    return RunResult(session.out, session.stats, session.manifest)


class BlockDriver:
    """Feeds blocks to workers, skipping those already done, with at most ``limit`` in flight."""

    session: RaySession
    retry_errors: bool
    config: dict[str, Any]
    cache_path: str
    in_flight: Sized

    async def feed(self, blocks: Iterable[Block], limit: int) -> None:
        total = 0
        for block in blocks:
            total += len(block.rows)
            if not self._wanted(block):
                self.session.skipped(len(block.rows))
                continue
            while len(self.in_flight) >= limit:
                await self._collect()
            self._submit(block)
        self.session.reporter.set_total(total)
        while self.in_flight:
            await self._collect()

    def _wanted(self, block: Block) -> bool:
        marker = self.session.done.get(block.index)
        if self.retry_errors:
            return marker is not None and bool(marker.errors) and marker.ids_hash == block.ids_hash
        return marker is None or marker.ids_hash != block.ids_hash

    def _spec(self, block: Block) -> BlockSpec:
        return BlockSpec(index=block.index, ids_hash=block.ids_hash, out_dir=str(self.session.out),
                         pipeline=self.config, cache_path=self.cache_path)

    def _submit(self, block: Block) -> None:
        raise NotImplementedError

    async def _collect(self) -> None:
        raise NotImplementedError


__all__ = ["BlockDriver", "read_input", "run_session"]
