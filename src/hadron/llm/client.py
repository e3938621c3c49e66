"""One model's call path: cache → retry → rate limit → backend, one small function per layer.

Retries sit above the rate limiter so that every attempt, retries included, takes its own request
and token budget and its own concurrency slot (the server counts retries too), and so that a call
sleeping in backoff does not hold a slot. Nothing here touches a socket; the backend does.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time

from hadron.llm.backends.base import Backend
from hadron.llm.cache import RequestCache
from hadron.llm.config import ModelConfig
from hadron.llm.errors import FormatRefused, RateLimited, Rejected, Timeout
from hadron.llm.formats import MODES, Mode, Negotiator, check_mode
from hadron.llm.ratelimit import Limiter, RateLimiter
from hadron.llm.retry import RetryPolicy, with_retries
from hadron.llm.types import Accept, ChatRequest, Completion, TokenUsage, usable

DEFAULT_OUTPUT_ESTIMATE = 512
"""Tokens reserved for the answer when a request sets no ``max_tokens`` (tokens/min limits only)."""


class Client:
    """Calls one configured model with caching, retries, rate limits, timing and pricing."""

    def __init__(self, config: ModelConfig, backend: Backend, *, limiter: Limiter | None = None,
                 cache: RequestCache | None = None, prices: tuple[float, float] | None = None,
                 policy: RetryPolicy | None = None, priced: bool = True) -> None:
        """``prices``: USD per million (input, output) tokens; ``priced=False``: the price is unknown,
        so calls are counted as unpriced (shown as n/a), never as free."""
        self.config = config
        self.backend = backend
        self.limiter: Limiter = limiter or RateLimiter(rpm=config.rpm, tpm=config.tpm,
                                              max_concurrency=config.max_concurrency,
                                              adaptive=config.adaptive)
        self.cache = cache
        self.prices = prices or (config.price_in_per_mtok, config.price_out_per_mtok)
        self.priced = priced
        offered: tuple[Mode, ...] = getattr(backend, "structured_modes", MODES)
        check_mode(config.name, config.structured, offered)
        self.formats = Negotiator(f"{config.name}", fixed=config.structured, offered=offered)
        """How this (endpoint, model) takes structured output; see ``hadron.llm.formats``."""
        self.policy = policy or RetryPolicy(max_retries=config.max_retries, base_s=config.backoff_s,
                                            cap_s=config.backoff_cap_s)
        self._own_timer = not getattr(backend, "enforces_timeout", False)
        """A timer per call unless the backend enforces ``timeout_s`` itself (see ``backends.base``)."""

    @property
    def name(self) -> str:
        return self.config.name

    @property
    def supports_schema(self) -> bool:
        return self.backend.supports_schema

    @property
    def supports_tools(self) -> bool:
        return self.backend.supports_tools

    def prepare(self, request: ChatRequest) -> ChatRequest:
        """Fill in this model's id and extra body fields; the result is what gets cached."""
        extra = {**self.config.extra_body, **request.extra_body}
        return dataclasses.replace(request, model=request.model or self.config.model, extra_body=extra)

    async def complete(self, request: ChatRequest, route_key: str | None = None, *,
                       use_cache: bool = True, accept: Accept | None = None) -> Completion:
        """Answer ``request``; ``route_key`` only matters to pools and is accepted for symmetry.

        ``accept`` is the caller's validation: an answer it refuses is neither stored nor replayed, so a
        retry or a rerun asks the model again instead of replaying the failure."""
        request = self.prepare(request)
        key = request.cache_key() if self.cache is not None else None
        if use_cache and self.cache is not None:
            hit = await self.cache.get(request, key=key)
            if hit is not None and usable(hit, accept):
                return hit
        completion = await self._think_more(request, await self._negotiated(request))
        if self.cache is not None and usable(completion, accept):
            await self.cache.put(request, completion, key=key)
        return completion

    async def _negotiated(self, request: ChatRequest) -> Completion:
        """Send ``request`` in the structured-output mode this server takes, moving on at a refusal.

        The cache key stays that of the step's own request, so a rerun replays without asking. A request
        rejected in every mode it moved to was bad in itself: the modes it moved past are restored."""
        mark = self.formats.mark()
        while True:
            sent, mode = self.formats.render(request)
            try:
                completion = await self._retried(sent)
            except FormatRefused as err:
                if mode is not None and self.formats.refused(mode, err):
                    continue
                self.formats.restore(mark, err)
                if mode in self.formats.answered:  # the server took this format before: the request is bad
                    raise Rejected(str(err), status=err.status) from err
                raise
            except Rejected as err:
                self.formats.restore(mark, err)
                raise
            if mode is not None:
                self.formats.answered_in(mode)
            return completion

    async def _think_more(self, request: ChatRequest, completion: Completion) -> Completion:
        """A reasoning model that spent the whole budget thinking is asked again with twice the
        ``max_tokens`` (up to ``thinking_max_tokens``); each such call counts as a re-ask, and the
        answer carries the usage of every call it took."""
        budget = request.max_tokens
        cap = self.config.thinking_max_tokens
        while (budget is not None and completion.finish_reason == "length" and completion.reasoning
               and not completion.text.strip() and not completion.tool_calls and budget < cap):
            budget = min(cap, budget * 2)
            retry = await self._negotiated(dataclasses.replace(request, max_tokens=budget))
            retry.reasks += completion.reasks + 1
            retry.attempts += completion.attempts
            retry.latency_s += completion.latency_s
            retry.cost_usd += completion.cost_usd
            retry.usage = TokenUsage(completion.usage.prompt_tokens + retry.usage.prompt_tokens,
                                     completion.usage.completion_tokens + retry.usage.completion_tokens)
            completion = retry
        return completion

    async def lookup(self, request: ChatRequest, accept: Accept | None = None) -> Completion | None:
        """A cached answer for ``request`` that ``accept`` takes, if there is one; never calls the model."""
        hit = await self._lookup(self.prepare(request))
        return hit if hit is not None and usable(hit, accept) else None

    async def _lookup(self, request: ChatRequest) -> Completion | None:
        return None if self.cache is None else await self.cache.get(request)

    async def _retried(self, request: ChatRequest) -> Completion:
        return await with_retries(lambda: self._limited(request), self.policy)

    async def _limited(self, request: ChatRequest) -> Completion:
        estimate = self._token_estimate(request) if self.limiter.counts_tokens else 0
        async with self.limiter.slot(estimate) as slot:
            try:
                completion = await self._timed(request)
            except RateLimited:
                slot.rate_limited()
                raise
            slot.done(completion.usage.total_tokens)
            return completion

    async def _timed(self, request: ChatRequest) -> Completion:
        start = time.perf_counter()
        try:
            if self._own_timer:
                async with asyncio.timeout(self.config.timeout_s):
                    completion = await self.backend.complete(request)
            else:
                completion = await self.backend.complete(request)
        except TimeoutError as err:
            raise Timeout(f"{self.name}: no answer within {self.config.timeout_s:g} s") from err
        completion.latency_s = time.perf_counter() - start
        completion.served_by = self.name
        price_in, price_out = self.prices
        completion.cost_usd = (completion.usage.prompt_tokens * price_in
                               + completion.usage.completion_tokens * price_out) / 1e6
        completion.priced = self.priced
        return completion

    @staticmethod
    def _token_estimate(request: ChatRequest) -> int:
        chars = sum(len(str(message.get("content") or "")) for message in request.messages)
        return chars // 4 + (request.max_tokens or DEFAULT_OUTPUT_ESTIMATE)

    async def aclose(self) -> None:
        await self.backend.aclose()
