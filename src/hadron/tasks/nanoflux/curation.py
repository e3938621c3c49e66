"""Curation: pool valid questions the defender failed or struggled with, novel enough, until the
domain's pool is full (``pool_factor`` x ``per_domain``); ``selection.py`` then picks the final set.
Every candidate left out of the pool gets a reason.

``screen`` is the pure part (parse failures, validity, the failure requirement, the band when
``require_in_band``, verification when ``require_verified``) and names the first reason that applies,
in that order. ``Curator`` holds what spans rounds, per domain: the novelty index and the count of
pooled questions. Its ``decide`` is serialized per domain, so two rounds never both pass the novelty
check against each other.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from hadron.tasks.nanoflux.config import NanoFluxConfig
from hadron.tasks.nanoflux.embeddings import Embedder
from hadron.tasks.nanoflux.novelty import NoveltyIndex
from hadron.tasks.nanoflux.records import Candidate, Reason


@dataclass(slots=True)
class Decision:
    """Kept (``reason`` None) or not, and why; novelty numbers when the check ran."""

    reason: Reason | None
    detail: dict[str, Any] = field(default_factory=dict)
    similarity: float | None = None
    """Cosine similarity to the nearest kept question of the domain (0 when none was kept yet)."""
    nearest: str | None = None

    @property
    def kept(self) -> bool:
        return self.reason is None


def screen(candidate: Candidate, config: NanoFluxConfig) -> Decision | None:
    """The first reason this candidate cannot be kept, before novelty and budget; None if it may be."""
    if candidate.attack is None:
        return Decision("attack_unparseable", {"error": candidate.attack_error})
    judged = candidate.judged
    if judged is None or judged.verdict is None:
        return Decision("judge_unparseable", {"error": judged.error if judged else "no verdict",
                                              "asks": judged.asks if judged else 0,
                                              "raw": (judged.raw if judged else "")[:2000]})
    verdict = judged.verdict
    if not verdict.valid:
        return Decision("invalid_question", {"notes": verdict.notes})
    struggled = not verdict.defender_correct or verdict.defender_struggled
    if (config.require == "failed" and verdict.defender_correct) or (
            config.require == "failed_or_struggled" and not struggled):
        return Decision("defender_succeeded", {"require": config.require,
                                               "defender_struggled": verdict.defender_struggled})
    if not config.require_in_band:
        return _verified_or_not(candidate, config)
    low, high = config.band.hops
    if not low <= verdict.hops <= high:
        return Decision("hops_out_of_band", {"hops": verdict.hops, "band": [low, high]})
    level = config.level(verdict.reasoning_quality)
    low, high = config.band.levels
    if not low <= level <= high:
        return Decision("level_out_of_band", {"reasoning_level": level,
                                              "reasoning_quality": verdict.reasoning_quality,
                                              "band": [low, high]})
    return _verified_or_not(candidate, config)


def _verified_or_not(candidate: Candidate, config: NanoFluxConfig) -> Decision | None:
    verification = candidate.verification
    if config.require_verified and (verification is None or verification.verified is not True):
        return Decision("not_verified", {"verification": verification.to_dict() if verification else None})
    return None


class Curator:
    def __init__(self, config: NanoFluxConfig, embedder: Embedder) -> None:
        self.config = config
        self.embedder = embedder
        self.indexes: dict[str, NoveltyIndex] = {}
        self.kept: Counter[str] = Counter()
        """Pooled questions per domain."""
        self.members: dict[str, set[str]] = {}
        """Round ids pooled per domain."""
        self._locks: dict[str, asyncio.Lock] = {}

    def index(self, domain: str) -> NoveltyIndex:
        return self.indexes.setdefault(domain, NoveltyIndex())

    def full(self, domain: str) -> bool:
        """The domain's pool is full: no more rounds are worth paying for."""
        return self.kept[domain] >= self.config.pool_size()

    def _lock(self, domain: str) -> asyncio.Lock:
        return self._locks.setdefault(domain, asyncio.Lock())

    async def decide(self, candidate: Candidate) -> Decision:
        domain, key = candidate.plan.domain, candidate.plan.id
        async with self._lock(domain):
            index = self.index(domain)
            members = self.members.setdefault(domain, set())
            if key in members:  # the round runs again (resume): its earlier entry must not match it
                members.discard(key)
                if key in index:
                    index.remove(key)
                self.kept[domain] -= 1
            early = screen(candidate, self.config)
            if early is not None:
                return early
            if self.full(domain):
                return Decision("budget_reached", {"pool": self.config.pool_size()})
            assert candidate.attack is not None
            threshold = self.config.novelty_threshold
            if threshold is None:
                members.add(key)
                self.kept[domain] += 1
                return Decision(None, similarity=0.0)
            vector = await self.embedder.embed([candidate.attack.question])
            similarity, nearest = index.nearest(vector)
            if similarity > threshold:
                return Decision("too_similar", {"similarity": round(similarity, 4), "nearest": nearest,
                                                "threshold": threshold},
                                similarity=similarity, nearest=nearest)
            index.add(key, vector)
            members.add(key)
            self.kept[domain] += 1
            return Decision(None, similarity=similarity, nearest=nearest)

    async def restore(self, rows: Iterable[Mapping[str, Any]]) -> int:
        """Count and index questions kept in an earlier session (rows with ``domain``, ``question``,
        and ``round`` or ``id``); returns how many were restored."""
        wanted = [(_round_key(r), str(r["domain"]), str(r["question"])) for r in rows
                  if r.get("id") and r.get("domain") in self.config.domains and r.get("question")]
        if not wanted:
            return 0
        for key, domain, _ in wanted:
            members = self.members.setdefault(domain, set())
            if key not in members:
                members.add(key)
                self.kept[domain] += 1
        if self.config.novelty:
            vectors = await self.embedder.embed([question for _, _, question in wanted])
            for (key, domain, _), vector in zip(wanted, vectors, strict=True):
                self.index(domain).add(key, vector)
        return len(wanted)


def _round_key(row: Mapping[str, Any]) -> str:
    """The round id the index keys on (``RoundPlan.id``): a pipeline's row ids may be its own."""
    index = row.get("round")
    if isinstance(index, int) and not isinstance(index, bool):
        return f"{row['domain']}/r{index:05d}"
    return str(row["id"])


__all__ = ["Curator", "Decision", "screen"]
