"""What the backend serving a model declares it needs (``BackendDefaults``), asked without building it.

A task's config takes these for the settings the user left unset, in its own validator, so ``hadron
autoreason`` and ``hadron run`` with an AutoReason step give the embedded model the same caps.
"""

from __future__ import annotations

from hadron.llm.backends.base import NO_DEFAULTS, BackendDefaults
from hadron.llm.config import ModelConfig, ModelSpec, PoolConfig, parse_spec
from hadron.llm.registry import backend_factory


def defaults_for(spec: ModelSpec) -> BackendDefaults:
    """The defaults the backend of ``spec`` declares; a pool has none (its members may differ)."""
    if isinstance(spec, PoolConfig):
        return NO_DEFAULTS
    config: ModelConfig = parse_spec(spec) if isinstance(spec, str) else spec
    declared = getattr(backend_factory(config.backend), "defaults", NO_DEFAULTS)
    return declared if isinstance(declared, BackendDefaults) else NO_DEFAULTS
