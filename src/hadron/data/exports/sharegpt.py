"""ShareGPT JSONL as LLaMA-Factory reads it with its default tags (``formatting: sharegpt``).

Shapes from LLaMA-Factory's data/README.md and data/converter.py: ``conversations`` of ``{from, value}``
with ``from`` in human / gpt / function_call / observation, an optional leading ``system`` turn, then
strict alternation (odd turns human or observation, even turns gpt or function_call); ``tools`` is a
JSON string. A ``function_call`` value is the JSON text of ``{"name", "arguments": {...}}``, or a list
of those for parallel calls (its FunctionFormatter). Preference rows (``ranking: true``) put the prompt in
``conversations`` (odd length) and one turn each in ``chosen`` / ``rejected``.

Lossy by necessity, as in LLaMA-Factory's own OpenAI converter: text that accompanies tool calls in
the same assistant turn is dropped, and consecutive tool results become one observation joined by
``</tool_response><tool_response>``. Register such a file with ``"columns": {"messages":
"conversations", "tools": "tools"}``.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import Field, model_validator

from hadron.data.exports.base import ExportFormat, OutputModel
from hadron.data.exports.records import Conversation, Message, Preference

Speaker = Literal["system", "human", "gpt", "function_call", "observation"]
ASKS = ("human", "observation")
ANSWERS = ("gpt", "function_call")
RESULT_SEPARATOR = "\n</tool_response>\n<tool_response>\n"


class ShareGptTurn(OutputModel):
    speaker: Speaker = Field(alias="from")
    value: str


class ShareGptSft(OutputModel):
    id: str
    conversations: list[ShareGptTurn] = Field(min_length=2)
    tools: str | None = None

    @model_validator(mode="after")
    def _alternates(self) -> ShareGptSft:
        turns = _check_alternation(self.conversations)
        if turns % 2:
            raise ValueError("conversations must end on a gpt turn")
        return self


class ShareGptPreference(OutputModel):
    id: str
    conversations: list[ShareGptTurn] = Field(min_length=1)
    chosen: ShareGptTurn
    rejected: ShareGptTurn
    tools: str | None = None

    @model_validator(mode="after")
    def _shape(self) -> ShareGptPreference:
        if _check_alternation(self.conversations) % 2 == 0:
            raise ValueError("a preference prompt must end on a human or observation turn")
        if self.chosen.speaker not in ANSWERS or self.rejected.speaker not in ANSWERS:
            raise ValueError("chosen and rejected must be gpt or function_call turns")
        if self.chosen == self.rejected:
            raise ValueError("chosen and rejected are the same")
        return self


def _check_alternation(turns: list[ShareGptTurn]) -> int:
    """Raise unless the turns (after an optional system turn) alternate ask/answer; return their count."""
    body = turns[1:] if turns and turns[0].speaker == "system" else turns
    for position, turn in enumerate(body):
        allowed = ANSWERS if position % 2 else ASKS
        if turn.speaker not in allowed:
            raise ValueError(f"turn {position + 1} is {turn.speaker!r}; expected one of {allowed}")
    return len(body)


def sharegpt_turns(messages: list[Message]) -> list[dict[str, str]]:
    """Neutral messages → ShareGPT turns (tool calls to ``function_call``, results to ``observation``)."""
    turns: list[dict[str, str]] = []
    results: list[str] = []
    for message in messages:
        if message.role == "tool":
            results.append(message.content or "")
            continue
        if results:
            turns.append({"from": "observation", "value": RESULT_SEPARATOR.join(results)})
            results = []
        turns.append(_turn(message))
    if results:
        turns.append({"from": "observation", "value": RESULT_SEPARATOR.join(results)})
    return turns


def _turn(message: Message) -> dict[str, str]:
    if message.tool_calls:
        calls = [{"name": call.name, "arguments": call.arguments} for call in message.tool_calls]
        value = calls[0] if len(calls) == 1 else calls
        return {"from": "function_call", "value": json.dumps(value, ensure_ascii=False)}
    speaker = {"system": "system", "user": "human", "assistant": "gpt"}[message.role]
    return {"from": speaker, "value": message.content or ""}


def sharegpt_tools(tools: list[dict[str, Any]] | None) -> str | None:
    """Tool schemas as the JSON string LLaMA-Factory expects (bare function objects, as in its
    glaive_toolcall datasets)."""
    if not tools:
        return None
    return json.dumps([tool.get("function", tool) for tool in tools], ensure_ascii=False)


def render_sft(conversation: Conversation) -> ShareGptSft:
    return ShareGptSft.model_validate({
        "id": conversation.row_id,
        "conversations": sharegpt_turns(conversation.messages),
        "tools": sharegpt_tools(conversation.tools),
    })


def render_dpo(pair: Preference) -> ShareGptPreference:
    chosen, rejected = sharegpt_turns(pair.chosen), sharegpt_turns(pair.rejected)
    if len(chosen) != 1 or len(rejected) != 1:
        raise ValueError("ShareGPT preference rows hold exactly one chosen and one rejected turn")
    return ShareGptPreference.model_validate({
        "id": pair.row_id,
        "conversations": sharegpt_turns(pair.prompt),
        "chosen": chosen[0],
        "rejected": rejected[0],
        "tools": sharegpt_tools(pair.tools),
    })


TAGS = {"role_tag": "from", "content_tag": "value", "user_tag": "human", "assistant_tag": "gpt",
        "observation_tag": "observation", "function_tag": "function_call", "system_tag": "system"}
"""LLaMA-Factory's default ShareGPT tags, spelled out in ``dataset_info.json``."""
SFT_INFO = {"formatting": "sharegpt", "columns": {"messages": "conversations", "tools": "tools"},
            "tags": TAGS}
DPO_INFO = {"formatting": "sharegpt", "ranking": True,
            "columns": {"messages": "conversations", "chosen": "chosen", "rejected": "rejected",
                        "tools": "tools"},
            "tags": TAGS}
SFT_READER = "LLaMA-Factory (`formatting: sharegpt`, registered in dataset_info.json)"

SFT = ExportFormat("sft-sharegpt", "sft", "sft.sharegpt.jsonl", render_sft,
                   "ShareGPT (LLaMA-Factory): conversations from/value (+ tools string)",
                   reader=SFT_READER, dataset_info=SFT_INFO)
DPO = ExportFormat("dpo-sharegpt", "dpo", "dpo.sharegpt.jsonl", render_dpo,
                   "ShareGPT (LLaMA-Factory, ranking): conversations + chosen / rejected turns",
                   reader="LLaMA-Factory (`formatting: sharegpt`, `ranking: true`: DPO/ORPO stages)",
                   dataset_info=DPO_INFO)
CRITIC = ExportFormat("critic-sharegpt", "critic_sft", "critic.sharegpt.jsonl", render_sft,
                      "ShareGPT (LLaMA-Factory): critic data", reader=SFT_READER, dataset_info=SFT_INFO)
