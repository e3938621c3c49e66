"""Reasoning traces (CoT) for TRL, and Hadron's flat critic triples.

CoT is TRL's conversational prompt–completion layout: ``prompt`` is the conversation the producing role
was sent, ``completion`` one assistant turn ``<think>\\n{reasoning}\\n</think>\\n\\n{answer}`` (the
convention of R1-style reasoning chat templates), so SFTTrainer trains on the reasoning and the answer
and not on the prompt. ``reasoning``, ``answer`` and the provenance columns ride along; the trainer
ignores them. Critic triples are the native record (no trainer reads them; the ``critic-*`` formats
hold the same data as SFT conversations).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from hadron.data.exports.base import ExportFormat, OutputModel
from hadron.data.exports.records import CriticTriple, ReasoningTrace
from hadron.data.exports.trl import TrlMessage, trl_message


class CotRecord(OutputModel):
    id: str
    prompt: list[TrlMessage] = Field(min_length=1)
    completion: list[TrlMessage] = Field(min_length=1, max_length=1)
    reasoning: str = Field(min_length=1)
    answer: str = Field(min_length=1)
    role: str
    pass_index: int = Field(alias="pass")
    candidate: str


class CriticRecord(OutputModel):
    id: str
    pass_index: int = Field(alias="pass")
    prompt: str
    draft: str
    critique: str = Field(min_length=1)
    revision: str
    revision_source: Literal["B", "AB"]
    revision_won: bool

    @model_validator(mode="after")
    def _texts(self) -> CriticRecord:
        if not self.draft.strip() or not self.revision.strip():
            raise ValueError("draft and revision must be non-empty")
        return self


def think_answer(reasoning: str, answer: str) -> str:
    return f"<think>\n{reasoning.strip()}\n</think>\n\n{answer}"


def render_cot(trace: ReasoningTrace) -> CotRecord:
    assistant = {"role": "assistant", "content": think_answer(trace.reasoning, trace.answer)}
    return CotRecord.model_validate({
        "id": trace.row_id, "prompt": [trl_message(message) for message in trace.prompt],
        "completion": [assistant], "reasoning": trace.reasoning, "answer": trace.answer,
        "role": trace.role, "pass": trace.pass_index, "candidate": trace.candidate,
    })


def render_critic(triple: CriticTriple) -> CriticRecord:
    return CriticRecord.model_validate({
        "id": triple.row_id, "pass": triple.pass_index, "prompt": triple.prompt, "draft": triple.draft,
        "critique": triple.critique, "revision": triple.revision,
        "revision_source": triple.revision_source, "revision_won": triple.revision_won,
    })


COT = ExportFormat("cot", "cot", "cot.jsonl", render_cot,
                   "reasoning of the role that wrote the final text: prompt / completion with <think>",
                   reader="TRL SFTTrainer (conversational prompt-completion; loss on the completion)")
CRITIC = ExportFormat("critic", "critic", "critic.jsonl", render_critic,
                      "critic triples: draft, critique, revision (flat; no trainer reads it as is)",
                      reader="none directly: a table for analysis; train on critic.trl/openai/sharegpt")
