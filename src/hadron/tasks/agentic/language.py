"""Language guardrails: which languages and scripts each message is written in, and whether that fits
the scenario's policy ("English first, a short Chinese recap allowed", or required).

A message is cut into segments (lines and sentences, code removed); each segment long enough to judge is
identified by ``py3langid`` (a naive-Bayes model shipped inside the package, so nothing is downloaded)
and weighted by its letters. Unicode script proportions (Latin, Han, Cyrillic, ...) are reported next to
it. Segments the detector is unsure about count for no language, so a path or a command name never
decides a verdict.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

_CODE = re.compile(r"```.*?(```|$)|`[^`\n]*`", re.DOTALL)
_SEGMENT = re.compile(r"[^\n.!?。！？；;]+[.!?。！？；;]*")
_SCRIPTS = (
    "LATIN",
    "CJK",
    "HIRAGANA",
    "KATAKANA",
    "HANGUL",
    "CYRILLIC",
    "ARABIC",
    "GREEK",
    "HEBREW",
    "DEVANAGARI",
    "THAI",
)
_SCRIPT_NAMES = {"CJK": "Han", "HIRAGANA": "Kana", "KATAKANA": "Kana"}


class LanguagePolicy(BaseModel):
    """Which languages a role's messages may use, and in what order."""

    model_config = ConfigDict(extra="forbid")

    primary: str = "en"
    """ISO 639-1 code of the language every checked message must be mostly in."""
    allowed: dict[str, float] = Field(default_factory=dict)
    """Other languages allowed, each with its largest share of a message's letters (0-1)."""
    primary_first: bool = True
    """The message must open in the primary language (a recap in another language comes after)."""
    tolerance: float = Field(default=0.1, ge=0, le=1)
    """Share of any unlisted language let through, for detector noise."""
    roles: list[str] = Field(default_factory=lambda: ["assistant"])
    min_letters: int = Field(default=20, ge=1)
    """Messages with fewer letters than this are not judged."""
    description: str = ""
    """The policy in words, shown to the reviewer."""
    recap: str | None = None
    """A language every reply to the user must close with (a short recap after the primary text); its
    share is capped by ``allowed`` (or ``recap_max_share``). Turns that only call tools are exempt."""
    recap_max_share: float = Field(default=0.45, gt=0, le=1)
    prompt: str = ""
    """What the teacher is told about languages (sent with every request, never saved in the
    conversation); empty: a sentence built from the policy."""

    @classmethod
    def english_first_chinese_recap(cls) -> LanguagePolicy:
        """The common policy: English first, then a required short recap in Chinese."""
        return cls(
            primary="en",
            allowed={"zh": 0.45},
            recap="zh",
            description="English first, then a short recap in Chinese (required in every reply)",
            prompt=(
                "Write every reply to the user in English first. End each reply with a short recap "
                "of one or two sentences in Simplified Chinese, on its own line starting with 总结："
            ),
        )

    def instruction(self) -> str:
        """The sentence the teacher is given."""
        if self.prompt:
            return self.prompt
        text = f"Write your replies in {self.primary!r}" + (" first" if self.primary_first else "") + "."
        if self.recap:
            text += f" End every reply with a short recap in {self.recap!r}."
        return text

    @field_validator("primary")
    @classmethod
    def _code(cls, value: str) -> str:
        if not re.fullmatch(r"[a-z]{2,3}", value):
            raise ValueError(f"use an ISO 639-1 code such as 'en' or 'zh', not {value!r}")
        return value

    @field_validator("allowed")
    @classmethod
    def _codes(cls, value: dict[str, float]) -> dict[str, float]:
        for code, share in value.items():
            cls._code(code)
            if not 0 <= share <= 1:
                raise ValueError(f"the share allowed for {code!r} must be between 0 and 1")
        return value

    def summary(self) -> str:
        if self.description:
            return self.description
        extra = ", ".join(f"{lang} up to {share:.0%}" for lang, share in self.allowed.items())
        return (
            f"{self.primary} {'first' if self.primary_first else 'mostly'}"
            + (f"; allowed: {extra}" if extra else "")
            + (f"; a recap in {self.recap} is required in every reply" if self.recap else "")
        )


@dataclass(frozen=True, slots=True)
class MessageLanguage:
    """What one message is written in: language and script shares of its letters."""

    index: int
    role: str
    letters: int
    languages: dict[str, float]
    scripts: dict[str, float]
    first: str | None
    """The language of the first segment the detector was sure about."""
    last: str | None = None
    """The language of the last segment the detector was sure about."""
    reply: bool = True
    """A reply to the user (no tool calls in the same message)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "role": self.role,
            "letters": self.letters,
            "languages": self.languages,
            "scripts": self.scripts,
            "first": self.first,
            "last": self.last,
        }


@dataclass(slots=True)
class LanguageReport:
    messages: list[MessageLanguage] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.violations


CANDIDATES = [
    "en",
    "zh",
    "ja",
    "ko",
    "fr",
    "de",
    "es",
    "it",
    "pt",
    "ru",
    "ar",
    "hi",
    "nl",
    "sv",
    "pl",
    "tr",
    "vi",
    "th",
    "id",
    "uk",
    "cs",
    "el",
    "he",
    "fa",
    "ro",
    "hu",
    "da",
    "fi",
    "no",
    "ms",
]
"""Languages the detector chooses among (plus the policy's own): close relatives the model also knows
(Wu and Cantonese next to Mandarin, Pidgin next to English) would otherwise split its confidence."""


@lru_cache(maxsize=8)
def _identifier(languages: tuple[str, ...]) -> Any:
    """py3langid's model with normalized probabilities, limited to ``languages`` (loaded once: ~1 s)."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages([lang for lang in languages if lang in identifier.nb_classes])
    return identifier


def letters_of(text: str) -> list[str]:
    return [char for char in text if unicodedata.category(char).startswith("L")]


def script_of(char: str) -> str:
    name = unicodedata.name(char, "")
    head = next((script for script in _SCRIPTS if name.startswith(script)), None)
    return _SCRIPT_NAMES.get(head, head.title()) if head else "Other"


def script_shares(text: str) -> dict[str, float]:
    letters = letters_of(text)
    counts = Counter(script_of(char) for char in letters)
    return {script: round(n / len(letters), 3) for script, n in counts.most_common()} if letters else {}


def detect(
    text: str,
    *,
    languages: Sequence[str] = CANDIDATES,
    min_segment_letters: int = 12,
    min_confidence: float = 0.8,
) -> tuple[dict[str, float], str | None, str | None]:
    """(language → share of the text's letters, first and last confident language), code and noise
    left out."""
    identifier = _identifier(tuple(sorted(set(languages))))
    counts: Counter[str] = Counter()
    first: str | None = None
    last: str | None = None
    total = 0
    for segment in _SEGMENT.findall(_CODE.sub(" ", text)):
        letters = len(letters_of(segment))
        if letters == 0:
            continue
        total += letters
        # Han or kana letters carry much more per character than Latin ones: judge them even when short.
        dense = any(script_of(c) in ("Han", "Kana", "Hangul") for c in segment)
        if letters < (3 if dense else min_segment_letters):
            continue
        language, confidence = identifier.classify(segment)
        if confidence < min_confidence:
            continue
        counts[language] += letters
        first = first or language
        last = language
    shares = {lang: round(n / total, 3) for lang, n in counts.most_common()} if total else {}
    return shares, first, last


def check_messages(messages: Sequence[dict[str, Any]], policy: LanguagePolicy) -> LanguageReport:
    """Measure every message of the policy's roles and list what breaks the policy."""
    report = LanguageReport()
    for index, message in enumerate(messages):
        content = message.get("content")
        if message.get("role") not in policy.roles or not isinstance(content, str):
            continue
        letters = len(letters_of(_CODE.sub(" ", content)))
        if letters < policy.min_letters:
            continue
        candidates = [*CANDIDATES, policy.primary, *policy.allowed, *([policy.recap] if policy.recap else [])]
        languages, first, last = detect(content, languages=candidates)
        measured = MessageLanguage(
            index,
            str(message["role"]),
            letters,
            languages,
            script_shares(content),
            first,
            last,
            reply=not message.get("tool_calls"),
        )
        report.messages.append(measured)
        report.violations.extend(
            f"message {index} ({measured.role}): {problem}" for problem in _problems(measured, policy)
        )
    return report


def _problems(measured: MessageLanguage, policy: LanguagePolicy) -> list[str]:
    problems = []
    if policy.primary_first and measured.first not in (None, policy.primary):
        problems.append(f"opens in {measured.first!r}, but must open in {policy.primary!r}")
    recap = policy.recap if measured.reply and measured.role == "assistant" else None
    if recap is not None and (measured.last != recap or measured.languages.get(recap, 0.0) == 0.0):
        problems.append(f"does not end with the required recap in {recap!r}")
    for language, share in measured.languages.items():
        if language == policy.primary:
            continue
        limit = policy.allowed.get(
            language, policy.recap_max_share if language == policy.recap else policy.tolerance
        )
        if share > limit:
            allowance = f"at most {limit:.0%} allowed" if language in policy.allowed else "not allowed"
            problems.append(f"{share:.0%} of the text is {language!r} ({allowance})")
    primary_share = measured.languages.get(policy.primary, 0.0)
    if measured.languages and primary_share < 0.5:
        problems.append(f"only {primary_share:.0%} of the text is in {policy.primary!r}")
    return problems


__all__ = ["LanguagePolicy", "LanguageReport", "MessageLanguage", "check_messages", "detect", "script_shares"]
