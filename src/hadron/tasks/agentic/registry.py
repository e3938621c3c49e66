"""Scenario families: the family name in a scenario file → the environment class that executes it.

A new family is one environment module and one line in ``FAMILIES``; its shipped scenarios live in
``hadron/tasks/agentic/scenarios/<family>/*.yaml`` (package data).
"""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable

from hadron.errors import ConfigError
from hadron.tasks.agentic.envs.base import Environment
from hadron.tasks.agentic.envs.orders import OrdersEnv
from hadron.tasks.agentic.envs.telecom import TelecomEnv
from hadron.tasks.agentic.envs.terminal import TerminalEnv

FAMILIES: dict[str, type[Environment]] = {
    "terminal": TerminalEnv,
    "telecom": TelecomEnv,
    "orders": OrdersEnv,
}
ALL = "all"


def environment_class(family: str) -> type[Environment]:
    try:
        return FAMILIES[family]
    except KeyError:
        raise ConfigError(
            f"unknown scenario family {family!r}", hint=f"known families: {', '.join(FAMILIES)}"
        ) from None


def shipped_scenarios(family: str) -> Traversable:
    """The packaged folder of a family's scenarios."""
    environment_class(family)
    return resources.files("hadron.tasks.agentic").joinpath("scenarios", family)


__all__ = ["ALL", "FAMILIES", "environment_class", "shipped_scenarios"]
