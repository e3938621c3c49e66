"""Model-written regular expressions, run with a time budget.

The agent writes the patterns its ``grep``, ``sed`` and ``awk`` use, so a pattern such as ``(a+)+b``
over a 30-character line would backtrack for minutes under ``re`` and stall every episode. Patterns are
compiled with RE2 (``google-re2``), which matches in linear time and cannot stall. The few patterns RE2
refuses (backreferences, lookarounds) fall back to the ``regex`` package, whose matching functions take
a ``timeout``; one shell command gets one budget for all its matches, and running out of it is a
``PatternTimeout`` the command reports as an error, the way a real tool reports a bad pattern. (``regex``
checks its clock only now and then: on a loaded machine a 1 s budget was seen to stop after 9 s, which
is why it is the fallback and not the rule.)

POSIX basic syntax (grep and sed without ``-E``) is translated: ``\\(``, ``\\{``, ``\\|``, ``\\+`` and
``\\?`` are the operators there, and the bare characters are literals.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import re2
import regex

BUDGET_S = 1.0
"""Wall-clock seconds one command may spend matching (a real grep takes microseconds here)."""


class PatternTimeout(Exception):
    """The command's matching budget ran out (a pathological pattern)."""


class PatternError(ValueError):
    """The pattern does not compile."""


_BRE_OPERATORS = {"(": "(", ")": ")", "{": "{", "}": "}", "|": "|", "+": "+", "?": "?"}
_CLASSES = {
    "[:alpha:]": r"a-zA-Z",
    "[:digit:]": r"0-9",
    "[:alnum:]": r"a-zA-Z0-9",
    "[:space:]": r"\s",
    "[:upper:]": r"A-Z",
    "[:lower:]": r"a-z",
    "[:punct:]": r"!-/:-@\[-`{-~",
    "[:xdigit:]": r"0-9A-Fa-f",
    "[:blank:]": r" \t",
}


def to_python(pattern: str, *, extended: bool) -> str:
    """A POSIX basic or extended pattern in Python syntax."""
    out: list[str] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "[":
            end, body = _bracket(pattern, index)
            out.append(body)
            index = end
            continue
        if char == "\\" and index + 1 < len(pattern):
            nxt = pattern[index + 1]
            if not extended and nxt in _BRE_OPERATORS:
                out.append(_BRE_OPERATORS[nxt])
            elif nxt == "<" or nxt == ">":
                out.append(r"\b")
            else:
                out.append("\\" + nxt)
            index += 2
            continue
        if not extended and char in "(){}|+?":
            out.append("\\" + char)
        elif char == "*" and (not out or out[-1] in ("(", "|", "^")):
            out.append(r"\*")  # a leading * is a literal in POSIX
        else:
            out.append(char)
        index += 1
    return "".join(out)


def _bracket(pattern: str, start: int) -> tuple[int, str]:
    """(index after the bracket expression, its Python form); POSIX classes expanded, a backslash and
    a leading ``]`` literal as in POSIX."""
    index = start + 1
    parts: list[str] = []
    if pattern[index : index + 1] == "^":
        parts.append("^")
        index += 1
    first = True
    while index < len(pattern):
        char = pattern[index]
        if char == "]" and not first:
            return index + 1, "[" + "".join(parts) + "]"
        first = False
        close = pattern.find(":]", index) if pattern.startswith("[:", index) else -1
        if close != -1 and pattern[index : close + 2] in _CLASSES:
            parts.append(_CLASSES[pattern[index : close + 2]])
            index = close + 2
            continue
        parts.append("\\" + char if char in "\\[]" else char)
        index += 1
    return len(pattern), regex.escape(pattern[start:])


def _re2_options(ignore_case: bool) -> Any:
    options = re2.Options()
    options.log_errors = False  # a pattern RE2 refuses goes to the fallback, not to stderr
    options.case_sensitive = not ignore_case
    return options


@dataclass
class Budget:
    """The matching time one command has left."""

    seconds: float = BUDGET_S
    _deadline: float = field(init=False)

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.seconds

    def left(self) -> float:
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            raise PatternTimeout(f"pattern matching took longer than {self.seconds:g}s")
        return remaining


class Pattern:
    """A compiled model-written pattern whose every match draws on a ``Budget``."""

    def __init__(
        self, source: str, *, extended: bool = True, ignore_case: bool = False, budget: Budget | None = None
    ) -> None:
        translated = to_python(source, extended=extended)
        self.budget = budget or Budget()
        self.linear = True
        try:
            self._compiled: Any = re2.compile(translated, _re2_options(ignore_case))
            return
        except re2.error:
            self.linear = False
        try:
            self._compiled = regex.compile(translated, regex.IGNORECASE if ignore_case else 0)
        except (regex.error, OverflowError, RecursionError) as err:
            raise PatternError(str(err)) from None

    def _limits(self) -> dict[str, float]:
        """The ``timeout`` keyword for the backtracking fallback (RE2 needs none)."""
        return {} if self.linear else {"timeout": self.budget.left()}

    def search(self, text: str) -> Any:
        try:
            return self._compiled.search(text, **self._limits())
        except TimeoutError:
            raise PatternTimeout(f"pattern matching took longer than {self.budget.seconds:g}s") from None

    def sub(self, replacement: Any, text: str, count: int = 0) -> tuple[str, int]:
        try:
            return self._compiled.subn(replacement, text, count=count, **self._limits())
        except TimeoutError:
            raise PatternTimeout(f"pattern matching took longer than {self.budget.seconds:g}s") from None

    def split(self, text: str) -> list[str]:
        try:
            return list(self._compiled.split(text, **self._limits()))
        except TimeoutError:
            raise PatternTimeout(f"pattern matching took longer than {self.budget.seconds:g}s") from None

    def finditer(self, text: str) -> list[Any]:
        try:
            return list(self._compiled.finditer(text, **self._limits()))
        except TimeoutError:
            raise PatternTimeout(f"pattern matching took longer than {self.budget.seconds:g}s") from None


__all__ = ["BUDGET_S", "Budget", "Pattern", "PatternError", "PatternTimeout", "to_python"]
