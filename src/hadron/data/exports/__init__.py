"""Training-data formats: SFT, DPO, CoT and critic records rendered for TRL, OpenAI fine-tuning and
ShareGPT (LLaMA-Factory), which load them unchanged.

Only neutral pieces live here: the record types (``Conversation``, ``Preference``, ``ReasoningTrace``,
``CriticTriple``) and their kinds, one module per target format that renders and schema-checks them, and
``FORMATS`` (format name → writer). Which rows become which records is each task's business (its
``Task.records``); writing a run's exports is ``hadron.runtime.export.export_run``.
"""

from __future__ import annotations

from hadron.data.exports.base import RECORD_KINDS, ExportFormat, OutputModel
from hadron.data.exports.extraction import ChatRow, Extraction, Extractor, RowError, conversation_records
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

__all__ = [
    "FORMATS",
    "RECORD_KINDS",
    "ChatRow",
    "Conversation",
    "CriticTriple",
    "ExportFormat",
    "Extraction",
    "Extractor",
    "Message",
    "OutputModel",
    "PairScores",
    "Preference",
    "ReasoningTrace",
    "RowError",
    "ToolCall",
    "conversation_records",
    "resolve_formats",
]
