"""What a model's tokens cost, when its config does not say: the maintained ``genai-prices`` table.

Looked up by the endpoint's URL (which names the provider: api.openai.com, openrouter.ai, ...) and the
model id. A model the table does not know has no price: its calls are counted as unpriced and shown
as n/a, never as $0. Models run in process (``local``, ``scripted``) cost nothing.
"""

from __future__ import annotations

from functools import lru_cache

from hadron.llm.config import ModelConfig

Prices = tuple[float, float]
"""USD per million input tokens, per million output tokens."""

FREE: Prices = (0.0, 0.0)


def config_prices(config: ModelConfig) -> Prices | None:
    """The prices the config sets, if it sets any."""
    if config.price_in_per_mtok or config.price_out_per_mtok:
        return config.price_in_per_mtok, config.price_out_per_mtok
    return None


@lru_cache(maxsize=256)
def table_prices(model: str, base_url: str) -> Prices | None:
    """Per-million prices from ``genai-prices`` for ``model`` at ``base_url``; None when unknown."""
    try:
        from genai_prices import Usage, calc_price
    except ImportError:  # an optional dependency in some installs: unknown, not free
        return None
    try:
        price_in = calc_price(Usage(input_tokens=1_000_000, output_tokens=0), model,
                              provider_api_url=base_url).total_price
        price_out = calc_price(Usage(input_tokens=0, output_tokens=1_000_000), model,
                               provider_api_url=base_url).total_price
    except LookupError:  # unknown provider or model
        return None
    return float(price_in), float(price_out)


def model_prices(config: ModelConfig) -> Prices | None:
    """The config's prices, else the table's for a remote endpoint, else None (unknown)."""
    own = config_prices(config)
    if own is not None:
        return own
    if config.base_url is None:
        return FREE  # answered in process: nothing is billed
    return table_prices(config.model, config.base_url)
