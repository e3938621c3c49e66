"""A row and the on-purpose reject: what sources yield, steps and filters pass, and sinks write.

A row is a plain ``dict`` whose ``id`` key (a string) is stable across runs: seeds, caching and resume
hang off it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Row = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Reject:
    """Returned by a step (or a filter's ``keep``) to drop a row on purpose, with a reason."""

    reason: str
    detail: dict[str, Any] = field(default_factory=dict)
