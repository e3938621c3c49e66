"""The process-pool executor: ``--workers N`` uses N cores of one machine, without Ray.

    hadron run pipeline.yaml --out runs/big --workers 8
    await pipeline.run("runs/big", executor=PoolExecutor(workers=8))

One event loop saturates one core near a thousand calls in flight; past that the client, not the
server, is the bottleneck. This executor runs the Ray executor's block machinery with local worker
processes (``spawn``): the driver (this process) cuts the input into blocks (``blocks.cut_blocks``),
skips finished ones, and hands the rest to the pool; each worker runs a block as an ordinary run
directory with its own event loop (``ray_worker.run_block_async``) and publishes its shards; the driver
writes the block's done marker and sums the blocks' stats (``ray_run.RaySession``). So the run directory,
the manifest and resume are those of a Ray run:

- a worker killed (SIGKILL, OOM) breaks the pool: the driver starts a new one and resubmits the blocks
  that were in flight; each resumes its own work directory row by row (``max_retries`` tries);
- the driver killed: every worker dies with it (``PR_SET_PDEATHSIG`` on Linux), so nothing keeps
  writing; rerunning the command resumes from the done markers and the blocks' journals.

Shared per (endpoint, model) across workers: the request cache (one SQLite file in WAL mode; every
worker's writer waits for the others, ``llm/cache.py``) and the limits. Limits are split into static
leases: each worker gets ``1/N`` of the requests/min, tokens/min, concurrency and ``max_in_flight``
(``share_limiters``), so the sum never passes the configured budget and nothing crosses a process
boundary per call; adaptive concurrency then adapts per worker, on the 429s that worker sees.

Steps that keep state across rows (``Step.keeps_state``): those that can share it (``exact_dedup``) get
one map in a manager process that every worker's copy calls; the others are refused before anything
starts, as on Ray. The block size is chosen on the first session (one block per worker for an input
of up to ``workers * BLOCK_ROWS`` rows, so all its rows can be in flight at once as in one process;
``BLOCK_ROWS`` otherwise) and kept in the run directory, so a resume with another
``--workers`` cuts the same blocks.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import math
import multiprocessing
import os
import shutil
import signal
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.managers import BaseManager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from hadron.core import Row
from hadron.core.config import validate
from hadron.errors import ConfigError, HadronError
from hadron.llm.config import ModelConfig
from hadron.llm.ratelimit import RateLimiter
from hadron.runtime.executors import RunResult
from hadron.runtime.executors.block_driver import BlockDriver, read_input, run_session
from hadron.runtime.executors.blocks import Block, BlockResult, BlockStore, cut_blocks
from hadron.runtime.executors.ray_run import RaySession
from hadron.runtime.executors.ray_state import SharedMap
from hadron.runtime.executors.ray_worker import BlockSpec, run_block_async
from hadron.runtime.rundir import RunDir

if TYPE_CHECKING:
    from hadron.llm.hub import ModelHub
    from hadron.runtime.pipeline import Pipeline
    from hadron.runtime.progress import ProgressMode
    from hadron.runtime.step import Step

BLOCK_ROWS = 4096
"""Rows per block for inputs of more than ``workers`` blocks: large, because a block's last rows run
below its full concurrency (the tail), and row-level journals make a large block cheap to resume."""
PR_SET_PDEATHSIG = 1


def resolve_workers(value: str | int) -> int:
    """``--workers``: a count of at least 1, or ``auto`` (the cores this process may use, minus one for
    the driver and the system; at least 1)."""
    if isinstance(value, int) or str(value).strip().isdigit():
        count = int(value)
        if count < 1:
            raise ConfigError(f"--workers must be at least 1, got {count}", hint="pass a count or auto")
        return count
    if str(value).strip().lower() == "auto":
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
        return max(1, cores - 1)
    raise ConfigError(f"--workers takes a count or auto, got {value!r}", hint="e.g. --workers 4")


class PoolOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    workers: int = Field(default=2, ge=1)
    block_rows: int | None = Field(default=None, ge=1)
    """Source rows per block; default: chosen on the first session and kept (see the module doc)."""
    max_retries: int = Field(default=3, ge=0)
    """Times a block is resubmitted after a worker died while it was in flight."""


class PoolExecutor:
    name = "pool"

    def __init__(self, **options: Any) -> None:
        self.options = validate(PoolOptions, options, "pool executor option")

    async def run(self, pipeline: Pipeline, out_dir: Path, *, models: ModelHub | None = None,
                  retry_errors: bool = False, strict: bool = False,
                  progress: ProgressMode = "auto", cache: Path | str | None = None) -> RunResult:
        from hadron.runtime.executors.ray import check_steps

        if models is not None:
            raise ConfigError("a ModelHub cannot be shared with worker processes",
                              hint="leave `models` unset (pass cache= for the request cache), or use "
                                   "--workers 1")
        out = Path(out_dir).resolve()
        RunDir(out).check_layout(self.name)
        await check_steps(pipeline, workers="--workers processes", fallback="--workers 1")
        source, pending, rows = read_input(pipeline, strict=strict)
        session = RaySession(pipeline, out, source, progress, executor=self.name)
        return await run_session(session, pending, lambda: _Driver(
            self.options, pipeline, session, retry_errors, cache).run(rows))


# -- in the workers --------------------------------------------------------------------------------


def share_limiters(workers: int) -> Callable[[ModelConfig], RateLimiter]:
    """The ``limiters`` factory of one worker's ``ModelHub``: its lease of ``1/workers`` of each limit."""

    def make(config: ModelConfig) -> RateLimiter:
        return RateLimiter(rpm=config.rpm / workers if config.rpm else None,
                           tpm=config.tpm / workers if config.tpm else None,
                           max_concurrency=max(1, math.ceil(config.max_concurrency / workers)),
                           adaptive=config.adaptive)

    return make


class ProxyState:
    """A ``SharedState`` held by the run's manager process; ``claim`` is one round trip to it."""

    def __init__(self, proxy: Any) -> None:
        self.proxy = proxy

    async def claim(self, key: str, value: str) -> str:
        result: str = await asyncio.to_thread(self.proxy.claim, key, value)
        return result


def _start_worker() -> None:
    """Each worker: die with the driver (no orphan keeps writing a block), and leave Ctrl-C to it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() == 1:  # the driver died before prctl took effect
            os._exit(1)


def run_pool_block(spec: BlockSpec, rows: list[Row], workers: int, states: dict[str, Any]) -> BlockResult:
    """The task body in a worker process (its own event loop per block)."""
    shared = {name: ProxyState(proxy) for name, proxy in states.items()}
    return asyncio.run(run_block_async(spec, rows, share_limiters(workers), shared))


# -- in the driver ---------------------------------------------------------------------------------


def _forget(future: asyncio.Future[Any]) -> None:
    """A block's future from a broken pool, resubmitted elsewhere: read its error so none is logged."""
    if not future.cancelled():
        future.exception()


class _StateManager(BaseManager):
    """The process holding each shareable step's ``SharedMap``."""


_StateManager.register("SharedMap", SharedMap)


class _Driver(BlockDriver):
    """Keeps up to twice the workers' blocks submitted; records each as it finishes."""

    def __init__(self, options: PoolOptions, pipeline: Pipeline, session: RaySession, retry_errors: bool,
                 cache: Path | str | None) -> None:
        self.options = options
        self.workers = options.workers
        self.session = session
        self.retry_errors = retry_errors
        self.cache_path = str(session.run_dir.cache_for(cache))
        config = pipeline.config()
        run = dict(config.get("run") or {})
        run["max_in_flight"] = max(1, math.ceil(int(run.get("max_in_flight", 256)) / self.workers))
        self.config = {**config, "run": run}
        self.context = multiprocessing.get_context("spawn")
        self.manager: _StateManager | None = None
        self.states = self._start_states(pipeline.steps)
        self.pool = self._new_pool()
        self.in_flight: dict[asyncio.Future[BlockResult], Block] = {}
        self.tries: dict[int, int] = {}

    def _start_states(self, steps: list[Step]) -> dict[str, Any]:
        shared = [step.name for step in steps if step.keeps_state and step.shares_state]
        if not shared:
            return {}
        self.manager = _StateManager(ctx=self.context)
        self.manager.start()
        return {name: self.manager.SharedMap() for name in shared}  # type: ignore[attr-defined]

    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(self.workers, mp_context=self.context, initializer=_start_worker)

    async def run(self, rows: Iterator[Row]) -> None:
        finished = False
        try:
            block_rows, rows = self._block_rows(rows)
            await self.feed(cut_blocks(rows, block_rows), 2 * self.workers)
            finished = True
        finally:
            for future in self.in_flight:
                future.cancel()
            self._stop_pool(kill=not finished)
            if self.manager is not None:
                self.manager.shutdown()

    def _block_rows(self, rows: Iterator[Row]) -> tuple[int, Iterator[Row]]:
        """The block size kept in the run directory, else the option, else one chosen from the input's
        first rows (peeked: the rows returned still start with them)."""
        store = BlockStore(self.session.out)
        kept = store.read_block_rows()
        if kept is not None:
            return kept, rows
        chosen = self.options.block_rows
        if chosen is None:  # a small input: one block per worker, so every row can be in flight at once
            head = list(itertools.islice(rows, self.workers * BLOCK_ROWS))
            chosen = max(1, math.ceil(len(head) / self.workers))
            rows = itertools.chain(head, rows)
        store.write_block_rows(chosen)
        return chosen, rows

    def _submit(self, block: Block) -> None:
        if self.retry_errors and block.index not in self.tries:  # start over: calls replay from the cache
            shutil.rmtree(self.session.blocks.work_dir(block.index), ignore_errors=True)
        done: Future[BlockResult] = self.pool.submit(run_pool_block, self._spec(block), block.rows,
                                                     self.workers, self.states)
        self.in_flight[asyncio.wrap_future(done)] = block
        if block.index not in self.tries:
            self.session.submitted(len(block.rows))
        self.tries[block.index] = self.tries.get(block.index, 0) + 1

    async def _collect(self) -> None:
        done, _ = await asyncio.wait(set(self.in_flight), return_when=asyncio.FIRST_COMPLETED)
        lost: list[Block] = []
        for future in done:
            block = self.in_flight.pop(future)
            try:
                result = future.result()
            except BrokenProcessPool:
                lost.append(block)
                continue
            except Exception as exc:
                raise self._failure(block, exc) from None
            self.session.block_done(result)
        if lost:
            await self._replace_pool(lost)

    async def _replace_pool(self, lost: list[Block]) -> None:
        """A worker died: every block in flight failed with it. Start a new pool, resubmit them all."""
        for future, block in self.in_flight.items():  # the rest fail the same way; don't wait for each
            future.add_done_callback(_forget)
            lost.append(block)
        self.in_flight.clear()
        self.session.event("worker_died", blocks=sorted(b.index for b in lost))
        self._stop_pool(kill=True)
        self.pool = self._new_pool()
        for block in sorted(lost, key=lambda b: b.index):
            if self.tries[block.index] > self.options.max_retries:
                raise HadronError(f"block {block.index} did not finish after {self.tries[block.index]} "
                                  "tries: its worker died", hint="finished blocks are kept; rerun the "
                                                                 "same command to resume")
            self._submit(block)

    def _failure(self, block: Block, exc: BaseException) -> HadronError:
        self.session.event("block_failed", block=block.index, error_type=type(exc).__name__,
                           traceback="".join(traceback.format_exception(exc)))
        if isinstance(exc, HadronError):
            return exc
        return HadronError(f"block {block.index} failed in a worker: {type(exc).__name__}: "
                           f"{' '.join(str(exc).split())[:300]}",
                           hint=f"traceback in {self.session.run_dir.log_path}; rerun to resume")

    def _stop_pool(self, *, kill: bool) -> None:
        """Shut the pool down; with ``kill``, stop its workers first (a block mid-way resumes from its
        journal). ``ProcessPoolExecutor`` has no public way to do that before Python 3.14."""
        if kill:
            for process in (getattr(self.pool, "_processes", None) or {}).values():
                with contextlib.suppress(Exception):
                    process.kill()
        self.pool.shutdown(wait=True, cancel_futures=True)


__all__ = ["PoolExecutor", "PoolOptions", "ProxyState", "resolve_workers", "share_limiters"]
