"""Cross-row state on Ray: one actor per stateful step, called by every block's copy of the step.

A step with ``shares_state`` (``ExactDedup``) keeps its map in a ``SharedMap`` actor; the actor
handles calls one at a time, so ``claim`` is atomic cluster-wide and every duplicate is caught
whichever block it lands in. Kept counts equal a local run's; when two copies of a value sit in
blocks that run at once, which copy is kept depends on timing (a local run keeps the first in source
order). Steps that keep state but cannot share it are refused before Ray starts (``refuse_stateful``).
Nothing here imports Ray at module level.
"""

from __future__ import annotations

from collections.abc import Iterable
from types import ModuleType
from typing import Any

from hadron.errors import ConfigError
from hadron.runtime.step import Step


class SharedMap:
    """The actor's body: a plain dict whose ``claim`` is ``setdefault``."""

    def __init__(self) -> None:
        self._values: dict[str, str] = {}

    def claim(self, key: str, value: str) -> str:
        return self._values.setdefault(key, value)

    def size(self) -> int:
        return len(self._values)


class RayState:
    """A ``SharedState`` backed by a ``SharedMap`` actor (its handle travels with each block task)."""

    def __init__(self, handle: Any) -> None:
        self.handle = handle

    async def claim(self, key: str, value: str) -> str:
        result: str = await self.handle.claim.remote(key, value)
        return result


def refuse_stateful(steps: Iterable[Step], *, between: str = "Ray workers",
                    hint: str = "run this pipeline with --executor local (docs/ray.md lists which steps "
                                "run on Ray)") -> None:
    """A ``ConfigError`` naming the first step that keeps state across rows and cannot share it
    ``between`` the processes of a run (Ray workers, or ``--workers N`` processes)."""
    for step in steps:
        if step.keeps_state and not step.shares_state:
            raise ConfigError(
                f"step {step.name!r} ({step.kind or type(step).__name__}) keeps state across rows and "
                f"cannot share it between {between}: each block would keep its own (a budget or "
                "duplicate check per block)", hint=hint)


def start_states(ray: ModuleType, steps: Iterable[Step]) -> dict[str, Any]:
    """One ``SharedMap`` actor per step that shares its state, by step name."""
    actor = ray.remote(num_cpus=0)(SharedMap)
    return {step.name: actor.remote() for step in steps if step.keeps_state and step.shares_state}


def attach_states(steps: Iterable[Step], handles: dict[str, Any]) -> None:
    """In a worker: hand each stateful step its actor."""
    for step in steps:
        if step.name in handles:
            step.share_state(RayState(handles[step.name]))


__all__ = ["RayState", "SharedMap", "attach_states", "refuse_stateful", "start_states"]
