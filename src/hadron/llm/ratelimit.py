"""Rate limits shared by every caller of one (endpoint, model): requests/min, tokens/min, concurrency.

Callers *await* capacity: a token bucket lets a caller take tokens into debt and sleep exactly until
the debt is repaid, so waiting callers queue in arrival order and nothing polls. Concurrency is a
gate whose size adapts: it halves on a 429 and grows by one after ``recover_after`` successes.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Protocol


class TokenBucket:
    """``rate`` tokens per second, holding at most ``capacity``; ``take`` sleeps until its tokens exist."""

    def __init__(self, rate: float, capacity: float) -> None:
        self.rate = rate
        self.capacity = capacity
        self._level = capacity
        self._stamp = time.monotonic()

    def _refill(self) -> None:
        now = time.monotonic()
        self._level = min(self.capacity, self._level + (now - self._stamp) * self.rate)
        self._stamp = now

    async def take(self, amount: float) -> None:
        self._refill()
        self._level -= amount
        if self._level < 0:
            await asyncio.sleep(-self._level / self.rate)

    def give_back(self, amount: float) -> None:
        """Return tokens reserved but not used (a reply shorter than estimated)."""
        self._refill()
        self._level = min(self.capacity, self._level + amount)

    def charge(self, amount: float) -> None:
        """Take extra tokens after the fact (a reply longer than estimated); later callers wait."""
        self._refill()
        self._level -= amount


class AdaptiveGate:
    """A concurrency limit whose size can change while callers wait."""

    def __init__(self, limit: int, *, adaptive: bool, recover_after: int = 20) -> None:
        self.max_limit = limit
        self.limit = limit
        self.adaptive = adaptive
        self.recover_after = recover_after
        self.in_flight = 0
        self.generation = 0
        """Bumped on every decrease, so one burst of 429s halves the limit once, not once per reply."""
        self._successes = 0
        self._waiters: deque[asyncio.Future[None]] = deque()

    async def acquire(self) -> int:
        if self.in_flight >= self.limit or self._waiters:
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                await waiter
            except asyncio.CancelledError:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)
                elif not waiter.cancelled():
                    self._release_slot()  # we were handed a slot but will not use it
                raise
        else:
            self.in_flight += 1
        return self.generation

    def release(self) -> None:
        self._release_slot()

    def _release_slot(self) -> None:
        self.in_flight -= 1
        self._wake()

    def _wake(self) -> None:
        while self._waiters and self.in_flight < self.limit:
            waiter = self._waiters.popleft()
            if not waiter.done():
                self.in_flight += 1
                waiter.set_result(None)

    def rate_limited(self, generation: int) -> None:
        if self.adaptive and generation == self.generation:
            self.limit = max(1, self.limit // 2)
            self.generation += 1
            self._successes = 0

    def succeeded(self) -> None:
        if not self.adaptive or self.limit >= self.max_limit:
            return
        self._successes += 1
        if self._successes >= self.recover_after:
            self._successes = 0
            self.limit += 1
            self._wake()


@dataclass(slots=True)
class Slot:
    """One admitted call; report how it went so the limiter can adapt."""

    limiter: RateLimiter
    generation: int
    reserved_tokens: float

    def done(self, total_tokens: int) -> None:
        self.limiter.gate.succeeded()
        if self.limiter.tokens is not None:
            extra = total_tokens - self.reserved_tokens
            if extra > 0:
                self.limiter.tokens.charge(extra)
            else:
                self.limiter.tokens.give_back(-extra)

    def rate_limited(self) -> None:
        self.limiter.gate.rate_limited(self.generation)


class Permit(Protocol):
    """One admitted call, as ``Client`` reports back on it."""

    def done(self, total_tokens: int) -> None: ...

    def rate_limited(self) -> None: ...


class Limiter(Protocol):
    """What ``Client`` needs from a limiter: ``RateLimiter`` within one process, or a cluster-wide one
    (``hadron.runtime.executors.ray_limits.RemoteLimiter``) that a ``ModelHub`` is given under Ray."""

    @property
    def counts_tokens(self) -> bool:
        """True when tokens/min is limited, so callers must estimate each request's tokens."""
        ...

    def slot(self, estimated_tokens: int = 0) -> AbstractAsyncContextManager[Permit]: ...


class RateLimiter:
    def __init__(self, *, rpm: float | None = None, tpm: float | None = None, max_concurrency: int = 64,
                 adaptive: bool = True, recover_after: int = 20) -> None:
        self.requests = TokenBucket(rpm / 60.0, 1.0) if rpm else None
        """Capacity 1: requests are spaced evenly, never bursting past the server's own limiter."""
        self.tokens = TokenBucket(tpm / 60.0, tpm) if tpm else None
        """Capacity one minute's worth, the way providers count tokens/min."""
        self.gate = AdaptiveGate(max_concurrency, adaptive=adaptive, recover_after=recover_after)

    @property
    def counts_tokens(self) -> bool:
        return self.tokens is not None

    def slot(self, estimated_tokens: int = 0) -> Admission:
        """``async with limiter.slot(n) as slot:`` waits for a free slot, the request rate and the tokens."""
        return Admission(self, estimated_tokens)

    async def admit(self, estimated_tokens: int) -> Slot:
        """Wait for a concurrency slot, then the request and token budget; the caller releases the gate
        (``gate.release()``) when the call is over. ``slot`` does both; the Ray limiter actor lends it."""
        generation = await self.gate.acquire()
        try:
            if self.requests is not None:
                await self.requests.take(1.0)
            if self.tokens is not None:
                await self.tokens.take(estimated_tokens)
        except BaseException:
            self.gate.release()
            raise
        return Slot(self, generation, estimated_tokens if self.tokens is not None else 0)


class Admission(AbstractAsyncContextManager[Slot]):
    """The wait for one slot, as a plain class: an ``@asynccontextmanager`` generator costs several times
    more CPU per call, and every model call passes through here."""

    __slots__ = ("estimated_tokens", "limiter")

    def __init__(self, limiter: RateLimiter, estimated_tokens: int) -> None:
        self.limiter = limiter
        self.estimated_tokens = estimated_tokens

    async def __aenter__(self) -> Slot:
        return await self.limiter.admit(self.estimated_tokens)

    async def __aexit__(self, *exc_info: object) -> None:
        self.limiter.gate.release()
