"""What a user can ask of an export beyond the formats: preference quality and truncated texts.

Extractors make every record a row can give; ``screen`` then decides, per record kind, which of them
the export keeps and names the reason for each one it leaves out, so the summary can say
"skipped below_min_margin=3 truncated=1". A kind with no screen of its own is checked for truncation only.
Texts are marked ``truncated`` by their task's extractor (the row's ``truncated`` flag or
``finish_reason == "length"``, read where the row records them).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from hadron.data.exports.records import Preference

PairsMode = Literal["best-vs-rest", "all"]
PAIRS_MODES: tuple[PairsMode, ...] = ("best-vs-rest", "all")


@dataclass(frozen=True, slots=True)
class ExportOptions:
    min_margin: int = 1
    """Fewest Borda points by which the chosen text must beat the rejected one. The default (1) keeps
    ties (margin 0, kept by the tie-goes-to-A rule) out of the preference data."""
    pairs: PairsMode = "best-vs-rest"
    """``best-vs-rest``: the pass winner against each other candidate; ``all``: every candidate pair
    ordered by Borda points."""
    include_truncated: bool = False
    """Keep records whose target text hit the token limit (``finish_reason == "length"``)."""


def _screen_pair(pair: Preference, options: ExportOptions) -> str | None:
    if options.pairs == "best-vs-rest" and not pair.best:
        return "not_best_pair"
    if pair.scores.margin < options.min_margin:
        return "below_min_margin"
    return None


SCREENS: dict[str, Callable[[Any, ExportOptions], str | None]] = {
    "dpo": _screen_pair,
}
"""Record kind → its own screen (before the truncation check every kind gets)."""


def screen(kind: str, record: Any, options: ExportOptions) -> str | None:
    """Why the export leaves ``record`` out, or None to keep it (the kind's own screen first)."""
    check = SCREENS.get(kind)
    if check is not None and (reason := check(record, options)) is not None:
        return reason
    if getattr(record, "truncated", False) and not options.include_truncated:
        return "truncated"
    return None
