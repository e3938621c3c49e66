"""Hadron doing single-shot generation, two ways.

``--variant run`` (the headline): a pipeline with the ``single_shot`` step, as ``hadron run`` would
build it, into a run directory with the default request cache (one SQLite write per answer), sharded
JSONL output, checkpoint journal and accounting. ``--variant run_nocache``: the same without the
request cache. ``--variant client``: the model layer alone (``ModelHub`` + ``ChatModel.chat``), no runtime.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from common import Timing, arguments, read_prompts, report, timed

import hadron.llm.backends.openai_http  # noqa: F401 - imported before the timed window, like the bare loop's aiohttp
from hadron.data.sources import SourceConfig
from hadron.llm import ModelConfig, ModelHub
from hadron.runtime.pipeline import Pipeline
from hadron.tasks.baselines import SingleShot


def model_config(url: str, in_flight: int) -> ModelConfig:
    return ModelConfig(backend="http", base_url=url, model="bench", name="bench",
                       max_concurrency=in_flight, adaptive=False)


async def run_pipeline(url: str, prompts: Path, workdir: Path, in_flight: int, max_tokens: int,
                       cache: bool, timing: Timing, workers: int = 1) -> int:
    step = SingleShot("answer", model=model_config(url, in_flight), teacher={"max_tokens": max_tokens})
    pipeline = Pipeline(SourceConfig(path=str(prompts), id_column="id"), [step], max_in_flight=in_flight,
                        sink={"shard_rows": 10_000})
    if workers > 1:  # as `hadron run --workers N`: the pool's workers share RUN/cache.sqlite
        if not cache:
            raise SystemExit("--workers > 1 always has the request cache")
        result = await pipeline.run(workdir / "run", progress="off", workers=workers)
        timing.extra["errors"] = result.errors
        timing.extra["workers"] = workers
        return result.rows
    hub = ModelHub(cache_path=workdir / "run" / "cache.sqlite" if cache else None)
    try:
        result = await pipeline.run(workdir / "run", models=hub, progress="off")
    finally:
        await hub.aclose()
    timing.extra["errors"] = result.errors
    return result.rows


async def run_client(url: str, prompts: list[dict[str, str]], in_flight: int, max_tokens: int) -> int:
    async with ModelHub() as hub:
        model = hub.get(model_config(url, in_flight))
        answers = await asyncio.gather(*(model.chat(p["prompt"], max_tokens=max_tokens, role="answer")
                                         for p in prompts))
    return sum(1 for answer in answers if answer.text)


def main() -> None:
    args = arguments(__doc__.splitlines()[0])
    prompts = read_prompts(args.prompts)
    with timed() as timing:
        if args.variant == "client":
            answered = asyncio.run(run_client(args.url, prompts, args.in_flight, args.max_tokens))
        else:
            answered = asyncio.run(run_pipeline(args.url, args.prompts, args.workdir, args.in_flight,
                                                args.max_tokens, args.variant != "run_nocache", timing,
                                                args.workers))
    report(f"hadron_{args.variant}", len(prompts), answered, timing)


if __name__ == "__main__":
    main()
