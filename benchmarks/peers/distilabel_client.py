"""distilabel 1.5.3 doing single-shot generation: ``LoadDataFromDicts >> TextGeneration(OpenAILLM)``.

Runs in its own venv (``pip install distilabel==1.5.3 openai``). ``OpenAILLM`` sends one batch at a
time with ``asyncio.gather``, so requests in flight = ``input_batch_size`` x replicas. Variants:
``batch`` (one replica, batches of --in-flight) and ``replicas`` (two replicas, batches of half).
The wall time is the whole ``pipeline.run()``, as a user waits for it (step processes included).
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from common import arguments, read_prompts, report, timed


def main() -> None:
    args = arguments(__doc__.splitlines()[0])
    from distilabel.models import OpenAILLM
    from distilabel.pipeline import Pipeline
    from distilabel.steps import LoadDataFromDicts, StepResources
    from distilabel.steps.tasks import TextGeneration

    prompts = read_prompts(args.prompts)
    replicas = 2 if args.variant == "replicas" else 1
    batch = args.in_flight // replicas
    with Pipeline(name="hadron-bench", cache_dir=args.workdir / "distilabel-cache") as pipeline:
        load = LoadDataFromDicts(data=[{"instruction": p["prompt"], "id": p["id"]} for p in prompts],
                                 batch_size=batch)
        generate = TextGeneration(
            llm=OpenAILLM(model="bench", base_url=args.url, api_key="unused", max_retries=0, timeout=120,
                          generation_kwargs={"max_new_tokens": args.max_tokens}),
            input_batch_size=batch, resources=StepResources(replicas=replicas))
        load >> generate
    with timed() as timing:
        distiset = pipeline.run(use_cache=False, logging_handlers=[logging.NullHandler()])
    rows = distiset["default"]["train"]
    answered = sum(1 for text in rows["generation"] if text)
    report(f"distilabel_{args.variant}", len(prompts), answered, timing, batch=batch, replicas=replicas)


if __name__ == "__main__":
    main()
