"""The conversation a row asks for, the one owner of how a row's input columns become chat turns.

A row carries either ``prompt`` (one user turn) or ``messages`` (OpenAI shape, several turns, ending
with the user's), and optionally ``system``. The role that answers the user is sent exactly this
conversation, and the exports write exactly it, so training data never claims a conditioning that did
not happen. Roles that review an answer (critic, judges, editors) read it as one text, ``transcript``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

Message = dict[str, Any]

TURN_ROLES = frozenset({"system", "user", "assistant"})


class ConversationError(ValueError):
    """The row's input columns do not make a conversation (the message says which column and why)."""


def conversation_of(row: Mapping[str, Any], *, prompt: str = "prompt", system: str = "system",
                    messages: str = "messages") -> list[Message]:
    """``[system?, *turns]`` from a row: its ``messages`` when present, else its ``prompt`` as one user
    turn; the ``system`` column comes first unless the messages already open with a system turn."""
    system_text = row.get(system)
    if system_text is not None and not isinstance(system_text, str):
        raise ConversationError(f"column {system!r} is {type(system_text).__name__}, expected a string")
    head: list[Message] = [{"role": "system", "content": system_text}] if system_text else []
    turns = row.get(messages)
    if turns is not None:
        checked = check_turns(turns, messages)
        if head and checked[0]["role"] == "system":
            raise ConversationError(f"both column {system!r} and a system turn in {messages!r}: keep one")
        return [*head, *checked]
    text = row.get(prompt)
    if not isinstance(text, str) or not text.strip():
        raise ConversationError(f"no {prompt!r} text and no {messages!r}: nothing to answer")
    return [*head, {"role": "user", "content": text}]


def check_turns(turns: Any, column: str = "messages") -> list[Message]:
    """The turns as plain ``{role, content}`` dicts; raises naming the first bad one."""
    if not isinstance(turns, Sequence) or isinstance(turns, str) or not turns:
        raise ConversationError(f"column {column!r} must be a non-empty list of messages")
    checked: list[Message] = []
    for index, turn in enumerate(turns):
        where = f"{column}.{index}"
        if not isinstance(turn, Mapping):
            raise ConversationError(f"{where}: a message is an object with role and content")
        role, content = turn.get("role"), turn.get("content")
        if role not in TURN_ROLES:
            raise ConversationError(f"{where}.role: {role!r} is not one of system, user, assistant")
        if not isinstance(content, str):
            raise ConversationError(f"{where}.content: expected a string")
        if role == "system" and index:
            raise ConversationError(f"{where}: a system turn may only come first")
        checked.append({"role": role, "content": content})
    if checked[-1]["role"] != "user" or not checked[-1]["content"].strip():
        raise ConversationError(f"{column}: the last message must be a non-empty user turn")
    return checked


def transcript(conversation: Sequence[Message]) -> str:
    """The conversation as one text for roles that review an answer. A lone user turn is its text as it
    is (so a plain prompt reads, and caches, exactly as before); otherwise each turn is labelled."""
    if len(conversation) == 1 and conversation[0]["role"] == "user":
        return str(conversation[0]["content"])
    return "\n\n".join(f"[{turn['role']}]\n{turn['content']}" for turn in conversation)


__all__ = ["ConversationError", "Message", "check_turns", "conversation_of", "transcript"]
