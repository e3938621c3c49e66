"""State that spans rows, shared by every process of a run (a dedup filter's seen set).

A step that keeps state across rows (``Step.keeps_state``) is fine in one process. An executor that
spreads rows over several processes (Ray blocks, local workers) must either give each such step one
``SharedState`` that all its copies use (``Step.share_state``; only steps with ``shares_state`` take
one) or refuse the step before anything runs. ``LocalState`` is the in-process map a step uses by
default; the Ray executor's is an actor (``executors/ray_state.py``).
"""

from __future__ import annotations

from typing import Protocol


class SharedState(Protocol):
    """A string -> string map whose ``claim`` is atomic across every process that holds it."""

    async def claim(self, key: str, value: str) -> str:
        """Store ``value`` under ``key`` unless a value is there; return the one stored (the first
        claimer's)."""
        ...


class LocalState:
    """The map in this process."""

    def __init__(self) -> None:
        self._values: dict[str, str] = {}

    async def claim(self, key: str, value: str) -> str:
        return self._values.setdefault(key, value)

    def __len__(self) -> int:
        return len(self._values)


__all__ = ["LocalState", "SharedState"]
