"""Blind ballots: neutral labels, a structured ballot schema, and a lenient but strict-enough parser.

Each judge sees the candidates under the labels ``X1..Xn`` in the order its row of the panel's
counterbalanced design gives (``hadron.llm.panel``): the weak default model ranks in the order shown,
so the orders must be balanced across the panel for that habit to cancel out.

The parser reads the LAST ``RANKING:`` line, forgives case, brackets, bold markers and words such as
"Version X2", but only accepts a full permutation of the labels (or, when partial ballots are allowed,
all but one, the missing label then ranked last). A ballot it cannot read is re-asked, never guessed.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from pydantic import BaseModel, Field, create_model

LABEL_PREFIX = "X"
MAX_ENUM_CANDIDATES = 5
"""Up to 5 candidates (120 orders) the JSON schema enumerates every ranking; above that, text ballots."""

_MARKER = re.compile(r"ranking[\s*_`#]*[:：=]", re.IGNORECASE)
_LABEL = re.compile(rf"(?<![A-Za-z0-9]){LABEL_PREFIX}[\s\-_]?(\d{{1,2}})(?!\d)", re.IGNORECASE)
_NUMBER = re.compile(r"(?<![A-Za-z0-9.])(\d{1,2})(?![\d.]?\d)")


def labels(n: int) -> tuple[str, ...]:
    """The neutral labels for ``n`` candidates: X1, X2, ..."""
    return tuple(f"{LABEL_PREFIX}{i + 1}" for i in range(n))


@dataclass(frozen=True, slots=True)
class ParsedRanking:
    """Labels best first (a full permutation) or None with the reason."""

    order: tuple[str, ...] | None
    error: str | None = None


def parse_order(segment: str, label_set: Sequence[str], *, allow_partial: bool = False) -> ParsedRanking:
    """Read an order of labels from free text such as ``[X2] > Version X1 > x3``."""
    wanted = {label.upper(): label for label in label_set}
    seen: list[str] = []
    found = [f"{LABEL_PREFIX}{m.group(1)}".upper() for m in _LABEL.finditer(segment)]
    if not found:  # "RANKING: 2, 1, 3" is accepted only as an exact permutation of the numbers
        numbers = [f"{LABEL_PREFIX}{int(m.group(1))}" for m in _NUMBER.finditer(segment)]
        if sorted(numbers) == sorted(wanted):
            return ParsedRanking(tuple(wanted[n] for n in numbers))
    for token in found:
        if token in wanted and wanted[token] not in seen:
            seen.append(wanted[token])
    missing = [label for label in label_set if label not in seen]
    if not missing:
        return ParsedRanking(tuple(seen))
    if allow_partial and len(missing) == 1 and seen:
        return ParsedRanking((*seen, missing[0]))
    if not seen:
        return ParsedRanking(None, "no candidate labels in the ranking")
    return ParsedRanking(None, f"ranking is not a full order: missing {', '.join(missing)}")


def parse_ballot(text: str, label_set: Sequence[str], *, allow_partial: bool = False) -> ParsedRanking:
    """Parse the last ``RANKING:`` line of a judge's reply (the next line if the marker stands alone)."""
    markers = list(_MARKER.finditer(text))
    if not markers:
        return ParsedRanking(None, "no RANKING: line")
    rest = text[markers[-1].end():]
    lines = rest.split("\n")
    segment = lines[0]
    if not _LABEL.search(segment) and not segment.strip(" *_`"):
        segment = next((line for line in lines[1:] if line.strip()), "")
    return parse_order(segment, label_set, allow_partial=allow_partial)


def text_before_ranking(text: str) -> str | None:
    """What a judge wrote before its last ``RANKING:`` line: its reasoning, when it gave any."""
    markers = list(_MARKER.finditer(text))
    head = text[:markers[-1].start()] if markers else text
    head = head.strip().removesuffix("**").strip()
    return head or None


def ranking_strings(label_set: Sequence[str]) -> list[str]:
    """Every full order as ``"X2 > X1 > X3"``: the enum a structured ballot chooses from."""
    return [" > ".join(order) for order in itertools.permutations(label_set)]


REASONING_KEPT = 400
"""Characters of a judge's reasoning kept in its ballot record; a longer reasoning never voids a ballot
whose ranking is valid: it is cut here and the ballot says so (``reasoning_truncated``)."""


def clip_reasoning(text: str | None) -> tuple[str | None, bool]:
    """(kept text, whether it was cut)."""
    if text is None or len(text) <= REASONING_KEPT:
        return text, False
    return text[:REASONING_KEPT].rstrip() + "…", True


@lru_cache(maxsize=16)
def ballot_schema(n: int) -> type[BaseModel]:
    """A pydantic model whose ``ranking`` can only be a full order: with constrained decoding even a
    135M model always returns a valid permutation. ``reasoning`` comes first so the judge thinks first."""
    if n > MAX_ENUM_CANDIDATES:
        raise ValueError(f"structured ballots enumerate orders only up to {MAX_ENUM_CANDIDATES} candidates")
    choices: Any = Literal[tuple(ranking_strings(labels(n)))]
    model: type[BaseModel] = create_model(
        f"Ballot{n}",
        reasoning=(str, Field(default="", description="one or two short sentences")),
        ranking=(choices, Field(description="labels from best to worst")),
    )
    return model


def map_back(order: Sequence[str], perm: Mapping[str, str]) -> list[str]:
    """Labels best-first -> candidates best-first, through one judge's permutation."""
    return [perm[label] for label in order]


__all__ = [
    "MAX_ENUM_CANDIDATES",
    "REASONING_KEPT",
    "ParsedRanking",
    "ballot_schema",
    "clip_reasoning",
    "labels",
    "map_back",
    "parse_ballot",
    "parse_order",
    "ranking_strings",
    "text_before_ranking",
]
