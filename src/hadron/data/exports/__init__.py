"""Training-data exports of a finished run: SFT, DPO, CoT and critic triples in the formats TRL,
OpenAI fine-tuning and ShareGPT (LLaMA-Factory) load unchanged.

Rows become neutral records (``Conversation``, ``Preference``, ``ReasoningTrace``, ``CriticTriple``) in
``autoreason.py``; one module per target format renders and schema-checks them; ``FORMATS`` maps a
format name to its writer; ``export_run`` ties it together.
"""

from __future__ import annotations

from hadron.data.exports.autoreason import (
    EXTRACTORS,
    Extraction,
    RowError,
    cot_records,
    critic_records,
    dpo_records,
    sft_records,
)
from hadron.data.exports.base import ExportFormat, OutputModel
from hadron.data.exports.records import (
    Conversation,
    CriticTriple,
    Message,
    PairScores,
    Preference,
    ReasoningTrace,
    ToolCall,
)
from hadron.data.exports.registry import FORMATS, resolve_formats
from hadron.data.exports.run import ExportStats, export_run

__all__ = [
    "EXTRACTORS",
    "FORMATS",
    "Conversation",
    "CriticTriple",
    "ExportFormat",
    "ExportStats",
    "Extraction",
    "Message",
    "OutputModel",
    "PairScores",
    "Preference",
    "ReasoningTrace",
    "RowError",
    "ToolCall",
    "cot_records",
    "critic_records",
    "dpo_records",
    "export_run",
    "resolve_formats",
    "sft_records",
]
