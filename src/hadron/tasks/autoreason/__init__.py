"""AutoReason: refine a teacher's answer by blind tournament (critic, author B, synthesizer AB, judges).

    from hadron.tasks.autoreason import AutoReasonConfig, refine
    async with ModelHub() as hub:
        row = (await refine("Explain TCP slow start.", "row-1", hub, AutoReasonConfig())).to_columns()

In a pipeline: ``AutoReason(**settings)`` or ``step: autoreason`` in YAML; ``hadron autoreason`` on the
command line. Layout: ``config`` (settings), ``roles`` and ``judging`` (calls), ``ballot`` and ``borda``
(pure vote logic), ``synthesis`` (merge / minimal_repair), ``stopping``, ``tournament`` (the loop),
``records`` (the output row), ``step``, ``summary``.
"""

from __future__ import annotations

from hadron.tasks.autoreason.config import AutoReasonConfig, JudgeConfig, RoleConfig
from hadron.tasks.autoreason.errors import EmptyDraft, EmptyPrompt, RowFailed
from hadron.tasks.autoreason.records import MethodColumns
from hadron.tasks.autoreason.step import AutoReason
from hadron.tasks.autoreason.summary import RunSummary, summarize
from hadron.tasks.autoreason.synthesis import MergeSynthesizer, MinimalRepair, Synthesizer
from hadron.tasks.autoreason.tournament import Tournament, refine

__all__ = [
    "AutoReason",
    "AutoReasonConfig",
    "EmptyDraft",
    "EmptyPrompt",
    "JudgeConfig",
    "MergeSynthesizer",
    "MethodColumns",
    "MinimalRepair",
    "RoleConfig",
    "RowFailed",
    "RunSummary",
    "Synthesizer",
    "Tournament",
    "refine",
    "summarize",
]
