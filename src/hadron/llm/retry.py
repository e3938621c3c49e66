"""Retry transient failures with exponential backoff and full jitter, honouring ``Retry-After``.

Decisions use only the error's type (``hadron.llm.errors``): ``TransientError`` is retried,
``Rejected`` and anything else propagate at once.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from hadron.llm.errors import LLMError, RateLimited, RetriesExhausted, TransientError
from hadron.llm.types import Completion


@dataclass(slots=True)
class RetryPolicy:
    max_retries: int = 6
    base_s: float = 0.5
    cap_s: float = 30.0
    rng: random.Random = field(default_factory=random.Random)

    def delay(self, retry: int, error: LLMError) -> float:
        """Full jitter (uniform in [0, min(cap, base·2^retry)]); never shorter than Retry-After."""
        backoff = self.rng.uniform(0.0, min(self.cap_s, self.base_s * 2**retry))
        if isinstance(error, RateLimited) and error.retry_after is not None:
            return max(backoff, error.retry_after)
        return backoff


async def with_retries(attempt: Callable[[], Awaitable[Completion]], policy: RetryPolicy) -> Completion:
    """Run ``attempt`` until it succeeds; the Completion records how many attempts it took."""
    last: TransientError | None = None
    for retry in range(policy.max_retries + 1):
        if last is not None:
            await asyncio.sleep(policy.delay(retry - 1, last))
        try:
            completion = await attempt()
        except TransientError as err:
            last = err
            continue
        completion.attempts = retry + 1
        return completion
    assert last is not None
    attempts = policy.max_retries + 1
    raise RetriesExhausted(
        f"gave up after {attempts} attempts: {type(last).__name__}: {last}", attempts=attempts, last=last
    )
