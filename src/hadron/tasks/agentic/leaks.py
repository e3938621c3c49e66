"""Leak guard: a saved conversation may only use what its participants could know.

The teacher may be steered by hidden text (the reviewer's feedback names the user's hidden goal and the
failed checks), but the conversation that becomes training data must read as if the agent knew only
what the user said, what its system prompt told it and what the tools returned; otherwise the data
teaches agents to guess hidden goals. An assistant message (its text or a tool call's arguments) leaks
when it contains a run of four words from a hidden text, or a specific token from one (anything with a
digit, an email, a path, an id such as ``ACC-1042``), that appears in none of the visible messages. A
run counts only when it brings two words of four letters or more that the visible messages never use,
so restating what the user or a tool said, in the goal's words, is not a leak.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from typing import Any

RUN = 4
"""Words in a row that count as copied text."""
_WORD = re.compile(r"[\w@./:-]+", re.UNICODE)
_COMMON = frozenset(
    [
        "your",
        "yours",
        "you're",
        "that",
        "this",
        "these",
        "those",
        "have",
        "has",
        "had",
        "with",
        "from",
        "they",
        "them",
        "their",
        "there",
        "what",
        "when",
        "where",
        "which",
        "will",
        "would",
        "could",
        "should",
        "been",
        "were",
        "about",
        "into",
        "onto",
        "over",
        "under",
        "just",
        "also",
        "only",
        "than",
        "then",
        "want",
        "wants",
        "need",
        "needs",
        "some",
        "more",
        "most",
        "very",
        "much",
        "many",
        "such",
        "each",
        "other",
        "here",
        "like",
        "make",
        "made",
        "does",
        "done",
        "please",
        "thanks",
        "thank",
        "okay",
        "sure",
        "know",
        "said",
        "says",
        "well",
        "still",
        "again",
        "back",
        "once",
        "while",
        "after",
        "before",
    ]
)
"""Words too common to show that text was copied."""
_SPECIFIC = re.compile(r"\d|@|/|\w[-_.]\w")


def _words(text: str) -> list[str]:
    return [word.strip(".:-/").lower() for word in _WORD.findall(text) if word.strip(".:-/")]


def _runs(words: list[str]) -> set[tuple[str, ...]]:
    return {tuple(words[k : k + RUN]) for k in range(len(words) - RUN + 1)}


def _spoken(message: dict[str, Any]) -> str:
    parts = [message.get("content") or ""]
    for call in message.get("tool_calls") or []:
        arguments = call.get("function", {}).get("arguments")
        parts.append(arguments if isinstance(arguments, str) else json.dumps(arguments, ensure_ascii=False))
    return "\n".join(parts)


def find_leaks(messages: Sequence[dict[str, Any]], hidden: Iterable[str]) -> list[str]:
    """What the assistant said that only a hidden text could have told it (empty: no leak)."""
    visible = " ".join(str(m.get("content") or "") for m in messages if m.get("role") != "assistant")
    seen_words = set(_words(visible))
    seen_runs = _runs(_words(visible))
    secret_runs: set[tuple[str, ...]] = set()
    secret_tokens: set[str] = set()
    for text in hidden:
        words = _words(text)
        secret_runs |= {
            run
            for run in _runs(words) - seen_runs
            if sum(len(w) >= 4 and w not in seen_words and w not in _COMMON for w in set(run)) >= 2
        }
        secret_tokens |= {w for w in words if _SPECIFIC.search(w) and len(w) > 2} - seen_words
    found: list[str] = []
    for index, message in enumerate(messages):
        if message.get("role") != "assistant":
            continue
        words = _words(_spoken(message))
        for token in sorted(secret_tokens & set(words)):
            found.append(f"message {index}: {token!r}")
        for run in sorted(secret_runs & _runs(words)):
            found.append(f"message {index}: {' '.join(run)!r}")
    return found


__all__ = ["RUN", "find_leaks"]
