"""Separate a model's thinking from its answer.

Reasoning models put their chain of thought in ``<think>…</think>``. Some chat templates open the tag
inside the prompt, so the reply holds only ``…</think> answer``; a reply cut off by ``max_tokens`` may
hold ``<think>…`` with no closing tag. All three end up as (answer, reasoning).
"""

from __future__ import annotations

import re

_OPEN = "<think>"
_CLOSE = "</think>"
_BLOCK = re.compile(r"<think>(.*?)</think>", re.DOTALL)


def split_reasoning(text: str) -> tuple[str, str | None]:
    """Return ``(answer, reasoning)``; ``reasoning`` is None when the text has no think tags."""
    parts: list[str] = []
    stripped = text.lstrip()
    if _CLOSE in stripped and not stripped.startswith(_OPEN) and _OPEN not in stripped.split(_CLOSE)[0]:
        head, _, text = stripped.partition(_CLOSE)  # opening tag was in the prompt
        parts.append(head)

    def take(match: re.Match[str]) -> str:
        parts.append(match.group(1))
        return ""

    text = _BLOCK.sub(take, text)
    start = text.find(_OPEN)
    if start != -1 and not text[:start].strip():  # unterminated leading block: the reply was cut off
        parts.append(text[start + len(_OPEN):])
        text = ""
    if not parts:
        return text, None
    reasoning = "\n\n".join(part.strip() for part in parts if part.strip())
    return text.strip(), reasoning


def join_reasoning(*pieces: str | None) -> str | None:
    """Combine reasoning from several sources (a ``reasoning_content`` field and think tags)."""
    kept = [piece.strip() for piece in pieces if piece and piece.strip()]
    return "\n\n".join(kept) if kept else None
