"""OpenAI fine-tuning JSONL: chat SFT (``messages``, ``tools``) and preference/DPO (``input``,
``preferred_output``, ``non_preferred_output``).

Shapes from OpenAI's fine-tuning guides (chat format with function calling; "Direct preference
optimization": ``{"input": {"messages", "tools"}, "preferred_output": [assistant msg],
"non_preferred_output": [assistant msg]}``, outputs are the last assistant turn, roles assistant/tool only).
Tool calls are ``{"id", "type": "function", "function": {"name", "arguments": "<JSON string>"}}`` and a
result is ``{"role": "tool", "tool_call_id", "content"}``. The validator rejects unknown keys, so no
extra columns are written here (unlike TRL): nothing but the documented fields.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from hadron.data.exports.base import ExportFormat, OutputModel
from hadron.data.exports.records import Conversation, Message, Preference, Role


class OpenAIFunctionCall(OutputModel):
    name: str
    arguments: str

    @field_validator("arguments")
    @classmethod
    def _json_object(cls, arguments: str) -> str:
        if not isinstance(json.loads(arguments), dict):
            raise ValueError("arguments must be a JSON object")
        return arguments


class OpenAIToolCall(OutputModel):
    id: str = Field(min_length=1)
    type: Literal["function"] = "function"
    function: OpenAIFunctionCall


class OpenAIMessage(OutputModel):
    role: Role
    content: str | None = None
    tool_calls: list[OpenAIToolCall] | None = None
    tool_call_id: str | None = None

    @model_validator(mode="after")
    def _shape(self) -> OpenAIMessage:
        if (self.role == "tool") != (self.tool_call_id is not None):
            raise ValueError("tool_call_id goes on tool messages, and only there")
        if self.content is None and not self.tool_calls:
            raise ValueError("a message needs content or tool_calls")
        return self


class OpenAIFunctionDef(OutputModel):
    name: str = Field(min_length=1)
    description: str | None = None
    parameters: dict[str, Any] | None = None
    strict: bool | None = None


class OpenAITool(OutputModel):
    type: Literal["function"] = "function"
    function: OpenAIFunctionDef


class OpenAISft(OutputModel):
    messages: list[OpenAIMessage] = Field(min_length=2)
    tools: list[OpenAITool] | None = None

    @model_validator(mode="after")
    def _has_answer(self) -> OpenAISft:
        if not any(message.role == "assistant" for message in self.messages):
            raise ValueError("an example needs at least one assistant message")
        return self


class OpenAIPreferenceInput(OutputModel):
    messages: list[OpenAIMessage] = Field(min_length=1)
    tools: list[OpenAITool] | None = None


class OpenAIPreference(OutputModel):
    input: OpenAIPreferenceInput
    preferred_output: list[OpenAIMessage] = Field(min_length=1)
    non_preferred_output: list[OpenAIMessage] = Field(min_length=1)

    @model_validator(mode="after")
    def _outputs(self) -> OpenAIPreference:
        for output in (self.preferred_output, self.non_preferred_output):
            if any(message.role not in ("assistant", "tool") for message in output):
                raise ValueError("outputs may hold only assistant and tool messages")
            if output[-1].role != "assistant":
                raise ValueError("each output must end on an assistant message")
        if self.preferred_output == self.non_preferred_output:
            raise ValueError("preferred and non-preferred outputs are the same")
        return self


def openai_message(message: Message) -> dict[str, Any]:
    """The neutral message in OpenAI's spelling (arguments as JSON text; results by ``tool_call_id``)."""
    out: dict[str, Any] = {"role": message.role, "content": message.content}
    if message.tool_calls:
        out["tool_calls"] = [
            {"id": call.id, "type": "function",
             "function": {"name": call.name, "arguments": json.dumps(call.arguments, ensure_ascii=False)}}
            for call in message.tool_calls]
    if message.role == "tool":
        out["tool_call_id"] = message.tool_call_id
    return out


def render_sft(conversation: Conversation) -> OpenAISft:
    return OpenAISft.model_validate({
        "messages": [openai_message(message) for message in conversation.messages],
        "tools": conversation.tools,
    })


def render_dpo(pair: Preference) -> OpenAIPreference:
    return OpenAIPreference.model_validate({
        "input": {"messages": [openai_message(message) for message in pair.prompt], "tools": pair.tools},
        "preferred_output": [openai_message(message) for message in pair.chosen],
        "non_preferred_output": [openai_message(message) for message in pair.rejected],
    })


SFT_READER = "OpenAI fine-tuning, supervised method (chat `messages`, `tools`)"
SFT = ExportFormat("sft-openai", "sft", "sft.openai.jsonl", render_sft,
                   "OpenAI fine-tuning (chat): messages, tools", reader=SFT_READER)
DPO = ExportFormat("dpo-openai", "dpo", "dpo.openai.jsonl", render_dpo,
                   "OpenAI preference fine-tuning: input / preferred_output / non_preferred_output",
                   reader="OpenAI fine-tuning, dpo method (input / preferred_output / non_preferred_output)")
CRITIC = ExportFormat("critic-openai", "critic_sft", "critic.openai.jsonl", render_sft,
                      "OpenAI fine-tuning (chat): critic data", reader=SFT_READER)
