"""Cluster-wide rate limits under Ray: one actor per (endpoint, model) hands out permits.

Each actor holds an ordinary ``RateLimiter`` (requests/min, tokens/min, adaptive concurrency) and
lends its slots to callers in any worker: ``acquire`` waits in the actor until the call may go and
returns a permit id; ``release`` gives the slot back with the tokens used or the 429 seen. So N workers
together keep one endpoint's budget, exactly as the rows of one process do.

A ``LimiterRegistry`` actor, created by the driver, creates the per-endpoint actors on first request
(the first configuration seen for an (endpoint, model) sets its limits, as in ``ModelHub``). Actors
it creates are owned by it and it by the driver, so all of them live exactly as long as the run, and
a worker that dies does not take a limiter with it. A permit not released within its lease (the
call's timeout plus a margin) is taken back, so slots held by a killed worker return.

Workers see a ``RemoteLimiter`` (the model layer's ``Limiter`` protocol) via ``ModelHub(limiters=...)``.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from hadron.llm.config import ModelConfig
from hadron.llm.ratelimit import RateLimiter, Slot

LEASE_MARGIN_S = 60.0
"""A permit is reclaimed this long after its call's timeout would have fired."""
REAP_EVERY_S = 5.0


@dataclass(slots=True)
class _Lease:
    slot: Slot
    deadline: float


class LimiterActor:
    """The limiter of one (endpoint, model); runs as an async Ray actor (many waiters at once)."""

    def __init__(self, rpm: float | None, tpm: float | None, max_concurrency: int, adaptive: bool,
                 lease_s: float) -> None:
        self.limiter = RateLimiter(rpm=rpm, tpm=tpm, max_concurrency=max_concurrency, adaptive=adaptive)
        self.lease_s = lease_s
        self.leases: dict[int, _Lease] = {}
        self._next = 0
        self._reaper: asyncio.Task[None] | None = None

    async def acquire(self, estimated_tokens: int) -> int:
        """Wait for a concurrency slot and the request/token budget; return the permit id."""
        if self._reaper is None:
            self._reaper = asyncio.get_running_loop().create_task(self._reap())
        slot = await self.limiter.admit(estimated_tokens)
        self._next += 1
        self.leases[self._next] = _Lease(slot, time.monotonic() + self.lease_s)
        return self._next

    async def release(self, permit: int, total_tokens: int | None, rate_limited: bool) -> None:
        """The call is over: ``total_tokens`` when it succeeded, ``rate_limited`` when it got a 429."""
        lease = self.leases.pop(permit, None)
        if lease is None:
            return  # already reclaimed after its lease ran out
        if rate_limited:
            lease.slot.rate_limited()
        elif total_tokens is not None:
            lease.slot.done(total_tokens)
        self.limiter.gate.release()

    async def in_flight(self) -> int:
        return self.limiter.gate.in_flight

    async def _reap(self) -> None:
        while True:
            await asyncio.sleep(REAP_EVERY_S)
            now = time.monotonic()
            for permit in [p for p, lease in self.leases.items() if lease.deadline < now]:
                await self.release(permit, None, False)


class LimiterRegistry:
    """Hands out the one ``LimiterActor`` of each (endpoint, model); created once per run by the driver."""

    def __init__(self) -> None:
        self.actors: dict[str, Any] = {}

    async def limiter(self, key: str, rpm: float | None, tpm: float | None, max_concurrency: int,
                      adaptive: bool, lease_s: float) -> Any:
        if key not in self.actors:
            import ray

            actor_class: Any = ray.remote(LimiterActor)
            actor = actor_class.options(num_cpus=0, max_concurrency=10_000)  # waiters queue in the actor
            self.actors[key] = actor.remote(rpm, tpm, max_concurrency, adaptive, lease_s)
        return self.actors[key]

    async def keys(self) -> list[str]:
        return sorted(self.actors)


def start_registry() -> Any:
    """Create the run's registry actor (call in the driver, after ``ray.init``)."""
    import ray

    return ray.remote(num_cpus=0)(LimiterRegistry).remote()


@dataclass(slots=True)
class RemotePermit:
    """What ``Client`` reports on; sent back to the actor when the call's slot closes."""

    actor: Any
    permit: int
    total_tokens: int | None = None
    was_rate_limited: bool = False

    def done(self, total_tokens: int) -> None:
        self.total_tokens = total_tokens

    def rate_limited(self) -> None:
        self.was_rate_limited = True

    def release(self) -> None:
        self.actor.release.remote(self.permit, self.total_tokens, self.was_rate_limited)


class RemoteLimiter:
    """The model layer's ``Limiter`` backed by the cluster-wide actor of one (endpoint, model)."""

    def __init__(self, registry: Any, config: ModelConfig) -> None:
        self.registry = registry
        self.config = config
        self.key = f"{config.endpoint}#{config.model}"
        self._actor: Any = None

    @property
    def counts_tokens(self) -> bool:
        return self.config.tpm is not None

    async def _resolve(self) -> Any:
        if self._actor is None:
            c = self.config
            self._actor = await self.registry.limiter.remote(
                self.key, c.rpm, c.tpm, c.max_concurrency, c.adaptive, c.timeout_s + LEASE_MARGIN_S)
        return self._actor

    @asynccontextmanager
    async def slot(self, estimated_tokens: int = 0) -> AsyncIterator[RemotePermit]:
        actor = await self._resolve()
        ref = actor.acquire.remote(estimated_tokens)
        try:
            permit = RemotePermit(actor, await ref)
        except asyncio.CancelledError:
            _release_when_granted(actor, ref)
            raise
        try:
            yield permit
        finally:
            permit.release()


def _release_when_granted(actor: Any, ref: Any) -> None:
    """A caller gave up while waiting (a timeout, a cancelled row): return the permit if it comes."""

    def give_back(future: Any) -> None:
        with contextlib.suppress(Exception):
            actor.release.remote(future.result(), None, False)

    ref.future().add_done_callback(give_back)


def remote_limiters(registry: Any) -> Any:
    """The ``limiters`` factory a worker's ``ModelHub`` takes."""

    def make(config: ModelConfig) -> RemoteLimiter:
        return RemoteLimiter(registry, config)

    return make
