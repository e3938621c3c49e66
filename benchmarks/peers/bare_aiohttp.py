"""The client-side limit: a bare ``aiohttp`` loop, N requests with a fixed number in flight.

No retries, no accounting, no cache, no output file: what any framework's single-shot generation
costs beyond this is its own overhead.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).parent))
from common import arguments, read_prompts, report, timed


async def run(url: str, prompts: list[dict[str, str]], in_flight: int, max_tokens: int) -> int:
    gate = asyncio.Semaphore(in_flight)
    connector = aiohttp.TCPConnector(limit=in_flight)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def one(prompt: str) -> str:
            body = {"model": "bench", "messages": [{"role": "user", "content": prompt}],
                    "max_tokens": max_tokens}
            async with gate, session.post(f"{url}/chat/completions", json=body) as response:
                data = await response.json()
                return str(data["choices"][0]["message"]["content"])

        answers = await asyncio.gather(*(one(p["prompt"]) for p in prompts))
    return sum(1 for answer in answers if answer)


def main() -> None:
    args = arguments(__doc__.splitlines()[0])
    prompts = read_prompts(args.prompts)
    with timed() as timing:
        answered = asyncio.run(run(args.url, prompts, args.in_flight, args.max_tokens))
    report("bare_aiohttp", len(prompts), answered, timing)


if __name__ == "__main__":
    main()
