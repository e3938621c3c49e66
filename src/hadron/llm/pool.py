"""Several models answering as one.

Each row goes to one member chosen by weight from ``stable_hash(route_key)``, so reruns route the
same way. When that member fails persistently (retries exhausted, timeout, disconnected) the call
moves on in the pool's preferred order and the row still completes; the failed member is tried last
for ``cooldown_s`` so later rows do not each pay its retry budget. A member-fatal rejection (401, 403,
404: bad key, no access, unknown model) disables the member for the run, with one log line; its rows
go to the next member. When every member is disabled the pool raises ``PoolExhausted`` and the run stops.
A plain rejection (400) fails only that call.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from hadron.core import stable_hash
from hadron.llm.client import Client
from hadron.llm.config import PoolConfig
from hadron.llm.errors import Disconnected, LLMError, MemberFatal, PoolExhausted, RetriesExhausted, Timeout
from hadron.llm.types import Accept, ChatRequest, Completion

FAILOVER_ERRORS = (RetriesExhausted, Timeout, Disconnected)

log = logging.getLogger("hadron.llm")


class Pool:
    def __init__(self, config: PoolConfig, members: dict[str, Client],
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.config = config
        self.members = members
        """Member name -> client, for every member in ``config``."""
        self._clock = clock
        self._down_until: dict[str, float] = {}
        self.disabled: dict[str, str] = {}
        """Members disabled for the run (member-fatal rejection) -> why."""
        self._failover = [member.name for member in config.failover_order()]
        self._weights = [(member.name, member.weight) for member in config.members]

    @property
    def name(self) -> str:
        return self.config.name

    @property
    def supports_schema(self) -> bool:
        return all(client.supports_schema for client in self.members.values())

    @property
    def supports_tools(self) -> bool:
        return all(client.supports_tools for client in self.members.values())

    def route(self, route_key: str) -> list[str]:
        """Member names to try, in order: the weighted pick for this key, then the failover order."""
        total = sum(weight for _, weight in self._weights)
        point = stable_hash("pool", self.name, route_key) / 2**64 * total
        primary = self._weights[-1][0]
        for name, weight in self._weights:
            if point < weight:
                primary = name
                break
            point -= weight
        order = [primary, *(name for name in self._failover if name != primary)]
        order = [name for name in order if name not in self.disabled]
        now = self._clock()
        return sorted(order, key=lambda name: self._down_until.get(name, 0.0) > now)  # stable: healthy first

    async def complete(self, request: ChatRequest, route_key: str | None = None, *,
                       accept: Accept | None = None) -> Completion:
        order = self.route(route_key if route_key is not None else request.cache_key())
        for name in order:  # an answer from any member's cache is free
            hit = await self.members[name].lookup(request, accept)
            if hit is not None:
                return hit
        last: LLMError | None = None
        failed_attempts = 0
        for name in order:
            if name in self.disabled:  # disabled by a concurrent call since the route was made
                continue
            try:
                completion = await self.members[name].complete(request, use_cache=False, accept=accept)
            except MemberFatal as err:
                self._disable(name, err)
                last = err
                continue
            except FAILOVER_ERRORS as err:
                self._down_until[name] = self._clock() + self.config.cooldown_s
                failed_attempts += err.attempts if isinstance(err, RetriesExhausted) else 1
                last = err
                continue
            self._down_until.pop(name, None)
            completion.attempts += failed_attempts  # every request made counts, on any member
            return completion
        if len(self.disabled) == len(self.members):
            raise PoolExhausted(f"pool {self.name!r}: every member is unusable: "
                                + "; ".join(self.disabled.values()))
        assert last is not None
        raise last

    def _disable(self, name: str, error: MemberFatal) -> None:
        if name not in self.disabled:
            self.disabled[name] = str(error)
            log.warning("pool %s: member %s disabled for this run: %s", self.name, name, error)
