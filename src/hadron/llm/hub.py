"""``ModelHub``: one per run. Hands out models by spec and owns what they share.

Asking twice for the same spec returns the same ``ChatModel``; every model on one (endpoint, model)
shares one rate limiter; all share one request cache and one meter.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from hadron.llm.accounting import Meter
from hadron.llm.cache import RequestCache
from hadron.llm.chat import ChatModel, Completer
from hadron.llm.client import Client
from hadron.llm.config import ModelConfig, PoolConfig, parse_spec
from hadron.llm.pool import Pool
from hadron.llm.prices import model_prices
from hadron.llm.ratelimit import Limiter, RateLimiter
from hadron.llm.registry import create_backend

ModelSpec = str | ModelConfig | PoolConfig


class ModelHub:
    def __init__(self, cache_path: Path | str | None = None,
                 prices: Mapping[str, tuple[float, float]] | None = None,
                 limiters: Callable[[ModelConfig], Limiter] | None = None) -> None:
        """``prices``: model id -> (USD per million input tokens, per million output tokens); a
        model's own ``price_*_per_mtok`` wins when set. ``limiters`` builds the limiter of each
        (endpoint, model) (default: an in-process ``RateLimiter``; the Ray executor shares one per
        cluster)."""
        self.cache = RequestCache(cache_path) if cache_path is not None else None
        self.prices = dict(prices or {})
        self.meter = Meter()
        self._models: dict[str, ChatModel] = {}
        self._clients: dict[str, Client] = {}
        self._make_limiter = limiters or _local_limiter
        self._limiters: dict[tuple[str, str], Limiter] = {}

    def get(self, spec: ModelSpec) -> ChatModel:
        """The model for ``spec`` (a spec string, ``ModelConfig`` or ``PoolConfig``), shared per spec."""
        config = parse_spec(spec) if isinstance(spec, str) else spec
        key = f"{type(config).__name__}:{config.model_dump_json()}"
        if key not in self._models:
            completer: Completer = (self._pool(config) if isinstance(config, PoolConfig)
                                    else self.client(config))
            self._models[key] = ChatModel(completer, self.meter)
        return self._models[key]

    def client(self, config: ModelConfig) -> Client:
        key = config.model_dump_json()
        if key not in self._clients:
            prices = self._prices(config)
            self._clients[key] = Client(config, create_backend(config), limiter=self._limiter(config),
                                        cache=self.cache, prices=prices or (0.0, 0.0),
                                        priced=prices is not None)
        return self._clients[key]

    def structured_choices(self) -> dict[str, dict[str, object]]:
        """How each model that was asked for JSON takes it (``hadron.llm.formats``), and the request
        fields it refused (``params``: renamed or left out, ``backends/params.py``), by model name: the
        run's manifest and stats record this."""
        choices: dict[str, dict[str, object]] = {}
        for client in self._clients.values():
            params = getattr(client.backend, "params", None)  # the HTTP backend learns refused fields
            learned = params.describe() if params is not None and (params.renamed or params.dropped) else None
            if client.formats.used or learned:
                choice = client.formats.describe() if client.formats.used else {}
                choices[client.name] = {**choice, "params": learned} if learned else choice
        return choices

    def _pool(self, config: PoolConfig) -> Pool:
        return Pool(config, {member.name: self.client(member.model) for member in config.members})

    def _limiter(self, config: ModelConfig) -> Limiter:
        key = (config.endpoint, config.model)
        if key not in self._limiters:
            self._limiters[key] = self._make_limiter(config)
        return self._limiters[key]

    def _prices(self, config: ModelConfig) -> tuple[float, float] | None:
        """The config's prices, the hub's for this model id, the price table's, or None (unknown)."""
        if not (config.price_in_per_mtok or config.price_out_per_mtok) and config.model in self.prices:
            return self.prices[config.model]
        return model_prices(config)

    async def aclose(self) -> None:
        for client in self._clients.values():
            await client.aclose()
        self._clients.clear()
        self._models.clear()
        if self.cache is not None:
            await self.cache.aclose()

    async def __aenter__(self) -> ModelHub:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


def _local_limiter(config: ModelConfig) -> RateLimiter:
    return RateLimiter(rpm=config.rpm, tpm=config.tpm, max_concurrency=config.max_concurrency,
                       adaptive=config.adaptive)
