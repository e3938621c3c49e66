"""The Ray executor: the same pipeline, its input cut into blocks that run as Ray tasks.

    hadron run pipeline.yaml --executor ray --address auto
    await pipeline.run("runs/big", executor=RayExecutor(address="auto", block_rows=2000))

The driver (this process) reads the source, cuts it into blocks (``blocks.cut_blocks``), skips blocks
finished in an earlier session, and keeps a bounded number of block tasks in flight. Each task runs
the async row-level executor on its block in a worker (``ray_worker``) and publishes the block's
shards; the driver then writes the block's done marker. Model calls share one request cache and
cluster-wide limits per (endpoint, model) (``ray_limits``). A worker that dies is replaced and its
block retried by Ray (``max_retries``); the retry resumes the block's own checkpoint, so no row is
written twice. Output is the same sharded layout and manifest as a local run.

Steps that keep state across rows (``Step.keeps_state``) must not keep it per block. Those that can
share it (``shares_state``: ``exact_dedup``) get one actor per step that every block's copy calls
(``ray_state``), so the counts equal a local run's; the others (``minhash_dedup``, ``nanoflux``) are
refused before Ray starts, with the step named. A retried block restores that state from the rows its
earlier attempt wrote (``Step.restore``, called by the block's own session), as a local run does on
resume.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import socket
import sys
import traceback
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from hadron.core.config import validate
from hadron.errors import ConfigError, HadronError
from hadron.runtime.executors import RunResult
from hadron.runtime.executors.block_driver import BlockDriver, read_input, run_session
from hadron.runtime.executors.blocks import Block, BlockResult, cut_blocks
from hadron.runtime.executors.ray_run import RaySession
from hadron.runtime.executors.ray_state import refuse_stateful, start_states
from hadron.runtime.executors.ray_worker import rebuild_pipeline, run_block
from hadron.runtime.rundir import RunDir

if TYPE_CHECKING:
    from hadron.llm.hub import ModelHub
    from hadron.runtime.pipeline import Pipeline
    from hadron.runtime.progress import ProgressMode

INSTALL_HINT = "pip install 'hadron-distill[ray]'"
IN_PROCESS_BACKENDS = ("scripted",)
"""Backends registered in the driver's memory only (test doubles)."""
ADDRESS_HINT = ("start a cluster with `ray start --head` and pass --address auto (on that machine) or "
                "ray://HEAD:10001; without --address a local Ray instance is started")


class RayOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    address: str | None = None
    """``auto`` (a cluster running on this machine), ``HOST:PORT`` or ``ray://HOST:10001``; ``None``
    joins the cluster in ``RAY_ADDRESS`` or starts a local instance."""
    block_rows: int = Field(default=1000, ge=1)
    """Source rows per block (one task; the unit of retry and of skipping on resume)."""
    max_retries: int = Field(default=3, ge=0)
    """Times Ray reruns a block whose worker died."""
    cpus_per_block: float = Field(default=1.0, gt=0)
    max_blocks_in_flight: int | None = Field(default=None, ge=1)
    """Blocks submitted at once (default: twice the blocks the cluster can run at a time)."""
    cache_path: str | None = None
    """The request cache (default ``RUN/cache.sqlite``); see docs/ray.md for several nodes."""


class RayExecutor:
    name = "ray"

    def __init__(self, **options: Any) -> None:
        self.options = validate(RayOptions, options, "ray executor option")

    async def run(self, pipeline: Pipeline, out_dir: Path, *, models: ModelHub | None = None,
                  retry_errors: bool = False, strict: bool = False,
                  progress: ProgressMode = "auto", cache: Path | str | None = None) -> RunResult:
        if models is not None:
            raise ConfigError("a ModelHub cannot be shared with Ray workers",
                              hint="leave `models` unset; set RayExecutor(cache_path=...) for the cache")
        ray = import_ray()
        out = Path(out_dir).resolve()
        RunDir(out).check_layout(self.name)
        await check_steps(pipeline)
        source, pending, rows = read_input(pipeline, strict=strict)
        started = connect(ray, self.options.address)
        session = RaySession(pipeline, out, source, progress)
        try:
            return await run_session(session, pending, lambda: _Driver(
                ray, self.options, pipeline, session, retry_errors, cache).run(rows))
        finally:
            if started:
                ray.shutdown()


def import_ray() -> ModuleType:
    try:
        import ray
    except ImportError as exc:
        raise ConfigError("--executor ray needs Ray, which is not installed", hint=INSTALL_HINT) from exc
    return ray


def connect(ray: ModuleType, address: str | None) -> bool:
    """Join (or start) Ray; True when this call started it (and so must shut it down)."""
    if address is not None:
        _check_reachable(address)
    if ray.is_initialized():
        return False
    options: dict[str, Any] = {}
    if not (address or "").startswith("ray://"):  # a Ray client takes none of these
        options["logging_level"] = logging.WARNING
        if address is None:
            options["include_dashboard"] = False
    try:
        ray.init(address=address, **options)
    except (ConnectionError, RuntimeError, ValueError, TimeoutError) as exc:
        reason = " ".join(str(exc).split())[:200]
        where = address or "the RAY_ADDRESS cluster"
        raise ConfigError(f"cannot connect to Ray at {where}: {reason}", hint=ADDRESS_HINT) from exc
    return True


def _check_reachable(address: str) -> None:
    """Fail in seconds, with the fix, when ``HOST:PORT`` does not answer (Ray itself retries for
    a minute before it gives up)."""
    if address in ("auto", "local"):
        return
    target = address.removeprefix("ray://")
    host, _, port = target.rpartition(":")
    if not host or not port.isdigit():
        raise ConfigError(f"invalid Ray address {address!r}",
                          hint="use auto, HOST:PORT (the GCS, default 6379) or ray://HOST:10001")
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=5):
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ConfigError(f"cannot reach the Ray cluster at {address}: {reason}", hint=ADDRESS_HINT) from exc


async def check_steps(pipeline: Pipeline, *, workers: str = "Ray workers",
                      fallback: str = "--executor local") -> None:
    """Workers (in other processes) rebuild the steps from the saved config: check here that they can,
    that no step keeps state it cannot share, and that every model spec is valid, before any task starts.
    ``workers`` names those processes and ``fallback`` the flag that runs in one, in the errors."""
    from hadron.llm.config import ModelConfig
    from hadron.llm.hub import ModelHub
    from hadron.llm.ratelimit import RateLimiter

    config = pipeline.config()
    for entry in config["steps"]:
        if str(entry["step"]).startswith("__main__:"):
            raise ConfigError(f"step {entry['name']!r} is defined in the script being run; {workers} "
                              "cannot import it", hint="move the step class into an importable module")
    rebuilt = rebuild_pipeline(config, [])
    refuse_stateful(rebuilt.steps, between=workers, hint=f"run this pipeline with {fallback}")
    models: list[ModelConfig] = []

    def note(model: ModelConfig) -> RateLimiter:
        models.append(model)
        return RateLimiter()

    hub = ModelHub(limiters=note)
    try:
        for step in rebuilt.steps:
            await step.setup(hub)
    finally:
        await hub.aclose()
    for model in models:
        if model.backend in IN_PROCESS_BACKENDS:
            raise ConfigError(f"model {model.name!r} exists only in this process; {workers} cannot call it",
                              hint=f"serve it over HTTP (hadron.testing.FaultServer) or use {fallback}")


class _Driver(BlockDriver):
    """Feeds blocks to Ray with a bound on those in flight; records each as it finishes."""

    def __init__(self, ray: ModuleType, options: RayOptions, pipeline: Pipeline, session: RaySession,
                 retry_errors: bool, cache: Path | str | None = None) -> None:
        from hadron.runtime.executors.ray_limits import start_registry

        self.ray = ray
        self.options = options
        self.session = session
        self.retry_errors = retry_errors
        self.config = pipeline.config()
        self.cache_path = options.cache_path or str(session.run_dir.cache_for(cache))
        self.task = ray.remote(num_cpus=options.cpus_per_block, max_retries=options.max_retries,
                               retry_exceptions=False)(run_block)
        self.registry = start_registry()
        self.states = start_states(ray, pipeline.steps)
        """One shared-state actor per step that keeps state across rows (by step name)."""
        self.in_flight: dict[asyncio.Future[Any], tuple[Block, Any]] = {}
        nodes = sum(1 for node in ray.nodes() if node.get("Alive"))
        if options.cache_path is None and nodes > 1:
            print(f"hadron run: warning: {nodes} Ray nodes share {self.cache_path}; SQLite is not safe for "
                  "writers on several hosts: pass a node-local --cache-path (docs/ray.md)", file=sys.stderr)
            session.event("warning", message="shared SQLite cache on a multi-node cluster", nodes=nodes)

    def _limit(self) -> int:
        if self.options.max_blocks_in_flight is not None:
            return self.options.max_blocks_in_flight
        cpus = float(self.ray.cluster_resources().get("CPU", 1.0))
        return max(2, 2 * int(cpus / self.options.cpus_per_block))

    async def run(self, rows: Any) -> None:
        try:
            await self.feed(cut_blocks(rows, self.options.block_rows), self._limit())
        finally:
            self._cancel()
            for actor in [self.registry, *self.states.values()]:
                with contextlib.suppress(Exception):
                    self.ray.kill(actor)

    def _submit(self, block: Block) -> None:
        if self.retry_errors:  # start the block over: its answered calls come from the cache
            shutil.rmtree(self.session.blocks.work_dir(block.index), ignore_errors=True)
        ref = self.task.remote(self._spec(block), block.rows, self.registry, self.states)
        future = asyncio.wrap_future(ref.future())
        self.in_flight[future] = (block, ref)
        self.session.submitted(len(block.rows))

    async def _collect(self) -> None:
        done, _ = await asyncio.wait(set(self.in_flight), return_when=asyncio.FIRST_COMPLETED)
        for future in done:
            block, _ = self.in_flight.pop(future)
            try:
                result: BlockResult = future.result()
            except Exception as exc:
                raise self._failure(block, exc) from None
            self.session.block_done(result)

    def _failure(self, block: Block, exc: BaseException) -> HadronError:
        """A block that failed for good, as one line: its own error, or what happened to the worker."""
        exceptions = self.ray.exceptions
        cause = getattr(exc, "cause", None) if isinstance(exc, exceptions.RayTaskError) else None
        self.session.event("block_failed", block=block.index, error_type=type(cause or exc).__name__,
                           traceback="".join(traceback.format_exception(cause or exc)))
        if isinstance(cause, HadronError):
            return cause
        if cause is not None:
            return HadronError(f"block {block.index} failed in a Ray worker: {type(cause).__name__}: "
                               f"{' '.join(str(cause).split())[:300]}",
                               hint=f"traceback in {self.session.run_dir.log_path}; rerun to resume")
        tries = self.options.max_retries + 1
        what = ("its worker died" if isinstance(exc, exceptions.WorkerCrashedError | exceptions.NodeDiedError)
                else type(exc).__name__)
        return HadronError(f"block {block.index} did not finish after {tries} tries: {what}",
                           hint="finished blocks are kept; rerun the same command to resume")

    def _cancel(self) -> None:
        for _, ref in self.in_flight.values():
            with contextlib.suppress(Exception):
                self.ray.cancel(ref)
        for future in self.in_flight:
            future.cancel()
        self.in_flight.clear()

