"""TRL conversational datasets (SFTTrainer ``messages`` + ``tools``; DPOTrainer ``prompt/chosen/rejected``).

Shapes from TRL's docs/source/dataset_formats.md ("Conversational", "Tool Calling", "Preference"):
an assistant tool call is ``{"type": "function", "function": {"name", "arguments": {...object...}}}``,
a tool result is ``{"role": "tool", "name", "content"}``, and ``tools`` is a list of JSON schemas
``{"type": "function", "function": {...}}``. Extra columns (``id``, Borda scores) are ignored by the
trainers and keep every record traceable to its row.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from hadron.data.exports.base import ExportFormat, OutputModel
from hadron.data.exports.records import Conversation, Message, Preference, Role


class TrlFunction(OutputModel):
    name: str
    arguments: dict[str, Any]


class TrlToolCall(OutputModel):
    type: Literal["function"] = "function"
    function: TrlFunction


class TrlMessage(OutputModel):
    role: Role
    content: str | None = None
    tool_calls: list[TrlToolCall] | None = None
    name: str | None = None


class TrlSft(OutputModel):
    id: str
    messages: list[TrlMessage] = Field(min_length=2)
    tools: list[dict[str, Any]] | None = None


class TrlPreference(OutputModel):
    id: str
    prompt: list[TrlMessage] = Field(min_length=1)
    chosen: list[TrlMessage] = Field(min_length=1)
    rejected: list[TrlMessage] = Field(min_length=1)
    tools: list[dict[str, Any]] | None = None
    pass_index: int = Field(alias="pass")
    chosen_label: str
    rejected_label: str
    chosen_score: int
    rejected_score: int
    margin: int
    borda: dict[str, int]

    @model_validator(mode="after")
    def _distinct(self) -> TrlPreference:
        if self.chosen == self.rejected:
            raise ValueError("chosen and rejected are the same")
        return self


def trl_message(message: Message) -> dict[str, Any]:
    """The neutral message in TRL's spelling (arguments stay objects; tool results carry ``name``)."""
    out: dict[str, Any] = {"role": message.role, "content": message.content}
    if message.tool_calls:
        out["tool_calls"] = [
            {"type": "function", "function": {"name": call.name, "arguments": call.arguments}}
            for call in message.tool_calls]
    if message.role == "tool":
        out["name"] = message.name
    return out


def render_sft(conversation: Conversation) -> TrlSft:
    return TrlSft.model_validate({
        "id": conversation.row_id,
        "messages": [trl_message(message) for message in conversation.messages],
        "tools": conversation.tools,
    })


def render_dpo(pair: Preference) -> TrlPreference:
    scores = pair.scores
    return TrlPreference.model_validate({
        "id": pair.row_id,
        "prompt": [trl_message(message) for message in pair.prompt],
        "chosen": [trl_message(message) for message in pair.chosen],
        "rejected": [trl_message(message) for message in pair.rejected],
        "tools": pair.tools,
        "pass": scores.pass_index,
        "chosen_label": scores.chosen_label,
        "rejected_label": scores.rejected_label,
        "chosen_score": scores.chosen_score,
        "rejected_score": scores.rejected_score,
        "margin": scores.margin,
        "borda": scores.borda,
    })


SFT_READER = "TRL SFTTrainer (conversational `messages`, `tools` passed to the chat template)"
SFT = ExportFormat("sft-trl", "sft", "sft.trl.jsonl", render_sft,
                   "TRL SFTTrainer: messages (+ tools)", reader=SFT_READER)
DPO = ExportFormat("dpo-trl", "dpo", "dpo.trl.jsonl", render_dpo,
                   "TRL DPOTrainer: prompt / chosen / rejected message lists",
                   reader="TRL DPOTrainer (conversational preference: prompt / chosen / rejected)")
CRITIC = ExportFormat("critic-trl", "critic_sft", "critic.trl.jsonl", render_sft,
                      "TRL SFTTrainer: critic data (task + draft → critique; + critique → revision)",
                      reader=SFT_READER)
