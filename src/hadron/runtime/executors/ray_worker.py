"""What a Ray task does with one block: run the ordinary row-level executor on it, then publish.

The block runs as a normal run directory of its own (``RUN/checkpoint/blocks/b00007``): the same
``Pipeline.run`` as a local run, so the same event loop, row-level scheduling, error records and
row-level journal. A task killed mid-block is retried by Ray and resumes that directory: rows it had
finished are not run again, and its scratch shards hold each finished row once. When the block is
complete, its shards are published under block-named files (``blocks.publish_block``).

Model calls go through the shared request cache (SQLite on the run directory) and the cluster-wide
limiters (``ray_limits``). Nothing here imports Ray at module level: the task body is plain Python.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from hadron.core import Row
from hadron.data.sinks import SinkConfig, open_sink
from hadron.errors import ConfigError
from hadron.runtime.executors.blocks import BlockResult, BlockStore, publish_block
from hadron.runtime.records import SOURCE_STEP
from hadron.runtime.rundir import RunDir

if TYPE_CHECKING:
    from hadron.llm.config import ModelConfig
    from hadron.llm.ratelimit import Limiter
    from hadron.runtime.shared_state import SharedState


class BlockSpec(BaseModel):
    """Everything a task needs besides the rows (sent with each task)."""

    index: int
    ids_hash: str
    out_dir: str
    """The run directory; on a cluster it must be on storage every node sees."""
    pipeline: dict[str, Any]
    """``Pipeline.config()``: steps (with ``after``), sink and run options."""
    cache_path: str | None


def rebuild_pipeline(config: dict[str, Any], rows: list[Row], sink: SinkConfig | None = None) -> Any:
    """A ``Pipeline`` from its saved config, reading ``rows`` (what ``hadron run config.yaml`` replays)."""
    from hadron.runtime.pipeline import Pipeline, RowsSource
    from hadron.runtime.registry import build_step

    steps = []
    edges: list[tuple[str, str]] = []
    for entry in config["steps"]:
        options = dict(entry)
        kind, name = options.pop("step"), options.pop("name", None)
        after = options.pop("after", [])
        step = build_step(kind, name, options)
        steps.append(step)
        edges.extend((upstream, step.name) for upstream in after)
    sink = sink or SinkConfig.model_validate(config.get("sink") or {})
    max_in_flight = int((config.get("run") or {}).get("max_in_flight", 256))
    return Pipeline(source=RowsSource(rows), steps=steps, edges=edges, sink=sink, max_in_flight=max_in_flight)


def run_block(spec: BlockSpec, rows: list[Row], registry: Any,
              states: dict[str, Any] | None = None) -> BlockResult:
    """The Ray task body (sync: Ray runs it in a worker process, we give it its own event loop).
    ``states``: the shared-state actor of each step that keeps state across rows, by step name."""
    from hadron.runtime.executors.ray_limits import remote_limiters
    from hadron.runtime.executors.ray_state import RayState

    shared = {name: RayState(handle) for name, handle in (states or {}).items()}
    return asyncio.run(run_block_async(spec, rows, remote_limiters(registry), shared))


async def run_block_async(spec: BlockSpec, rows: list[Row], limiters: Callable[[ModelConfig], Limiter],
                          states: Mapping[str, SharedState]) -> BlockResult:
    """Run one block in this process's event loop and publish its shards (Ray and the process pool).
    ``limiters`` builds each (endpoint, model)'s limiter; ``states``: each stateful step's shared state."""
    from hadron.llm.hub import ModelHub

    out_dir = Path(spec.out_dir)
    work = _work_dir(out_dir, spec)
    main_sink_config = SinkConfig.model_validate(spec.pipeline.get("sink") or {})
    work_sink_config = SinkConfig(format=main_sink_config.format, shard_rows=main_sink_config.shard_rows)
    pipeline = rebuild_pipeline(spec.pipeline, rows, work_sink_config)
    for step in pipeline.steps:
        if step.name in states:
            step.share_state(states[step.name])
    hub = ModelHub(cache_path=spec.cache_path, limiters=limiters)
    try:
        result = await pipeline.run(work, models=hub, progress="off")
    finally:
        await hub.aclose()
    shards = publish_block(open_sink(main_sink_config, out_dir), spec.index,
                           open_sink(work_sink_config, work), result.manifest.shards)
    block = RunDir(work)
    errors = [r for r in block.records("errors") if r.get("step") != SOURCE_STEP]
    return BlockResult(index=spec.index, ids_hash=spec.ids_hash, rows_in=len(rows), shards=shards,
                       errors=errors, rejects=list(block.records("rejects")), stats=block.read_stats(),
                       worker=f"{socket.gethostname()}:{os.getpid()}")


def _work_dir(out_dir: Path, spec: BlockSpec) -> Path:
    """The block's run directory, emptied first when it holds other rows (the source changed)."""
    work = BlockStore(out_dir).work_dir(spec.index)
    identity = work / "block.json"
    if work.exists():
        try:
            held = json.loads(identity.read_text()).get("ids_hash")
        except (OSError, ValueError):
            held = None
        if held != spec.ids_hash:
            shutil.rmtree(work)
    if not work.exists():
        if not out_dir.is_dir():
            raise ConfigError(f"run directory {out_dir} is not visible on {socket.gethostname()}",
                              hint="on a multi-node cluster put --out on storage every node mounts")
        work.mkdir(parents=True)
        identity.write_text(json.dumps({"index": spec.index, "ids_hash": spec.ids_hash}))
    return work

