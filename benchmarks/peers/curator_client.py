"""bespokelabs-curator doing single-shot generation: an ``LLM`` subclass with ``prompt`` and ``parse``.

Runs in its own venv (``pip install bespokelabs-curator``) with the ``openai`` backend (its own
aiohttp client), ``max_concurrent_requests`` = --in-flight and rate limits far above what the
server can do, so only concurrency limits it. Curator counts tokens with tiktoken's ``cl100k_base``,
which tiktoken downloads on first use; with no internet here it is replaced by a chars/4 count (a
stub cheaper than tiktoken, so this slightly favours curator). The wall time is the whole call.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from common import arguments, read_prompts, report, timed


class _Chars4:
    """Stands in for a tiktoken Encoding: ~4 characters per token."""

    name = "cl100k_base"

    def encode(self, text: str, **_: object) -> list[int]:
        return [0] * (len(text) // 4 + 1)


def main() -> None:
    args = arguments(__doc__.splitlines()[0])
    os.environ.update(
        {
            "CURATOR_CACHE_DIR": str(args.workdir / "curator-cache"),
            "TELEMETRY_ENABLED": "false",
            "CURATOR_DISABLE_RICH_DISPLAY": "1",
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",
            "OPENAI_API_KEY": "unused",
        }
    )
    import tiktoken

    tiktoken.get_encoding = lambda name: _Chars4()  # no download possible here
    from bespokelabs import curator

    class Answer(curator.LLM):
        def prompt(self, row: dict[str, str]) -> str:
            return row["prompt"]

        def parse(self, row: dict[str, str], response: str) -> dict[str, str]:
            return {"id": row["id"], "generation": response}

    prompts = read_prompts(args.prompts)
    llm = Answer(
        model_name="bench",
        backend="openai",
        generation_params={"max_tokens": args.max_tokens},
        backend_params={
            "base_url": args.url,
            "api_key": "unused",
            "max_retries": 0,
            "max_concurrent_requests": args.in_flight,
            "max_requests_per_minute": 10_000_000,
            "max_tokens_per_minute": 10_000_000_000,
        },
    )
    with timed() as timing:
        response = llm(prompts)
    dataset = response.dataset if hasattr(response, "dataset") else response
    answered = sum(1 for text in dataset["generation"] if text)
    report(f"curator_{args.variant}", len(prompts), answered, timing)


if __name__ == "__main__":
    main()
