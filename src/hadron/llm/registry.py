"""Backend registry: a scheme (``http``, ``local``, ``scripted``, a plugin's) maps to a factory.

Built-in backends are named here as ``module:attribute`` and imported on first use, so ``import hadron``
works without optional extras (llama-cpp). Third-party backends come in through the ``hadron.backends``
entry-point group (``myscheme = "my_pkg.backend:MyBackend"``) or by calling ``register_backend``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from importlib.metadata import entry_points
from typing import TYPE_CHECKING

from hadron.errors import ConfigError
from hadron.llm.backends.base import Backend

if TYPE_CHECKING:
    from hadron.llm.config import ModelConfig

BackendFactory = Callable[["ModelConfig"], Backend]
"""Builds a backend from its settings. The registry only names ``ModelConfig`` for types: the config
module asks the registry which schemes exist when it parses a spec, never the other way round."""

ENTRY_POINT_GROUP = "hadron.backends"

_BUILTIN: dict[str, tuple[str, str | None]] = {
    "http": ("hadron.llm.backends.openai_http:OpenAIHTTPBackend", None),
    "local": ("hadron.llm.backends.local:LocalBackend", "local"),
    "scripted": ("hadron.testing.scripted:scripted_backend", None),
}
"""scheme -> (import target, the pip extra that provides its dependencies)."""

_FACTORIES: dict[str, BackendFactory] = {}


def register_backend(scheme: str, factory: BackendFactory) -> None:
    """Make ``scheme`` buildable; replaces an earlier registration of the same scheme."""
    _FACTORIES[scheme] = factory


def known_schemes() -> list[str]:
    plugins = {ep.name for ep in entry_points(group=ENTRY_POINT_GROUP)}
    return sorted(set(_FACTORIES) | set(_BUILTIN) | plugins)


def backend_factory(scheme: str) -> BackendFactory:
    """The factory for ``scheme``: registered, built-in (imported now) or from an entry point."""
    if scheme in _FACTORIES:
        return _FACTORIES[scheme]
    if scheme in _BUILTIN:
        target, extra = _BUILTIN[scheme]
        factory = _load(scheme, target, extra)
    else:
        found = [ep for ep in entry_points(group=ENTRY_POINT_GROUP) if ep.name == scheme]
        if not found:
            raise ConfigError(f"unknown backend {scheme!r}; known backends: {', '.join(known_schemes())}")
        factory = _load(scheme, found[0].value, None)
    _FACTORIES[scheme] = factory
    return factory


def create_backend(config: ModelConfig) -> Backend:
    return backend_factory(config.backend)(config)


def _load(scheme: str, target: str, extra: str | None) -> BackendFactory:
    module_name, _, attribute = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as err:
        hint = f"pip install 'hadron-distill[{extra}]'" if extra else None
        raise ConfigError(f"backend {scheme!r} could not be loaded: {err}", hint=hint) from err
    factory: BackendFactory = getattr(module, attribute)
    return factory
