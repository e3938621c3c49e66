"""Check an answer against a reference: numeric match when the reference is a number, else exact match.

The final answer is taken from the last ``\\boxed{...}``, else the last ``Answer: ...`` / ``#### ...``
line, else the last non-empty line. Numbers compare with a relative tolerance of 1e-6 (commas, ``$``
and ``%`` ignored); text compares after case folding and trimming punctuation and whitespace, and the
whole answer counts too (so a one-word reply matches without an ``Answer:`` line).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Literal

_BOXED = re.compile(r"\\boxed\{([^{}]*(?:\{[^{}]*\}[^{}]*)*)\}")
_ANSWER_LINE = re.compile(r"^\W*(?:#{4}|(?:the\s+)?(?:final\s+)?answer\s*(?:[:=]|is\b:?))\s*(.+?)\s*$",
                          re.IGNORECASE | re.MULTILINE)
_NUMBER = re.compile(r"[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:[eE][-+]?\d+)?|[-+]?\.\d+")
_EDGE = re.compile(r"^[\s\"'`*_.,;:!?()\[\]{}]+|[\s\"'`*_.,;:!?()\[\]{}]+$")


@dataclass(frozen=True, slots=True)
class Check:
    correct: bool
    extracted: str | None
    mode: Literal["numeric", "exact"]


def final_answer(text: str) -> str | None:
    """The part of ``text`` that states the final answer."""
    boxed = _BOXED.findall(text)
    if boxed:
        return boxed[-1].strip()
    lines = _ANSWER_LINE.findall(text)
    if lines:
        return lines[-1].strip()
    for line in reversed(text.splitlines()):
        if line.strip():
            return line.strip()
    return None


def parse_number(text: str) -> float | None:
    """The number ``text`` is, if it is one (``1,234``, ``$5``, ``12%``, ``-3.5e2``)."""
    cleaned = text.strip().replace("$", "").replace("%", "").strip()
    if not _NUMBER.fullmatch(cleaned):
        return None
    try:
        return float(cleaned.replace(",", ""))
    except ValueError:
        return None


def last_number(text: str) -> float | None:
    found = _NUMBER.findall(text)
    return float(found[-1].replace(",", "")) if found else None


def normalize(text: str) -> str:
    return " ".join(_EDGE.sub("", text.casefold()).split())


def numbers_equal(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9)


def check_answer(text: str | None, reference: str) -> Check:
    """Whether ``text`` answers ``reference`` correctly."""
    target = parse_number(reference)
    if text is None or not text.strip():
        return Check(False, None, "numeric" if target is not None else "exact")
    answer = final_answer(text)
    if target is not None:
        got = last_number(answer or "")
        if got is None:
            got = last_number(text)
        return Check(got is not None and numbers_equal(got, target), None if got is None else f"{got:g}",
                     "numeric")
    wanted = normalize(reference)
    correct = normalize(answer or "") == wanted or normalize(text) == wanted
    return Check(correct, answer, "exact")
