"""Hadron's own flat exports: reasoning traces (CoT) and critic triples.

No consumer fixes these shapes, so they are flat columns that load as a plain table, plus, for CoT, a
ready ``messages`` column whose assistant turn is ``<think>\\n{reasoning}\\n</think>\\n\\n{answer}`` (the
convention of R1-style reasoning chat templates) so it trains with TRL's SFTTrainer unchanged.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from hadron.data.exports.base import ExportFormat, OutputModel
from hadron.data.exports.records import CriticTriple, ReasoningTrace
from hadron.data.exports.trl import TrlMessage, trl_message


class CotRecord(OutputModel):
    id: str
    prompt: str
    reasoning: str = Field(min_length=1)
    answer: str = Field(min_length=1)
    role: str
    pass_index: int = Field(alias="pass")
    candidate: str
    messages: list[TrlMessage] = Field(min_length=2)


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
    user = next(message.content for message in trace.prompt if message.role == "user")
    assistant = {"role": "assistant", "content": think_answer(trace.reasoning, trace.answer)}
    return CotRecord.model_validate({
        "id": trace.row_id, "prompt": user, "reasoning": trace.reasoning, "answer": trace.answer,
        "role": trace.role, "pass": trace.pass_index, "candidate": trace.candidate,
        "messages": [*(trl_message(message) for message in trace.prompt), assistant],
    })


def render_critic(triple: CriticTriple) -> CriticRecord:
    return CriticRecord.model_validate({
        "id": triple.row_id, "pass": triple.pass_index, "prompt": triple.prompt, "draft": triple.draft,
        "critique": triple.critique, "revision": triple.revision,
        "revision_source": triple.revision_source, "revision_won": triple.revision_won,
    })


COT = ExportFormat("cot", "cot", "cot.jsonl", render_cot,
                   "reasoning of the role that wrote the final text: prompt, reasoning, answer, messages")
CRITIC = ExportFormat("critic", "critic", "critic.jsonl", render_critic,
                      "critic triples: draft, critique, revision")
