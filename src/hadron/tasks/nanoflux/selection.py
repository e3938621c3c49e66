"""Select the final set from the pool: ``per_domain`` questions per domain, ranked by the objective.

The rounds fill a pool of ``pool_factor`` x ``per_domain`` candidates per domain; this picks from it.
Each pooled row is scored on the configured criteria (``objective``, most important first):

- ``in_band``: its hops and reasoning level fall inside ``band``;
- ``defender_failed``: the defender got it wrong (not merely struggled);
- ``verified``: the judge's tool run reproduced the reference answer (1), no check applies (0.5),
  the check failed (0);
- ``judge_quality``: the judge's 1-5 reasoning quality;
- ``novelty``: 1 - the cosine similarity to the nearest earlier pooled question.

Rows are ranked lexicographically on those (ties: a hash of the id, so the order never depends on
the order rows were written). With ``spread``, picks go round-robin across (skill, hops) strata among
rows equal on the yes/no criteria: a stratum that has had fewer picks goes first. The result is a pure
function of the rows and the settings, so a report, an export and a rerun all agree. Each row gets
the reason it was kept or left out, naming the item it beat or lost to and on which criterion.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hadron.core import canonical_json, stable_hash
from hadron.data.sinks.files import atomic_write_text
from hadron.runtime.rundir import RunDir
from hadron.tasks.nanoflux.config import Criterion, NanoFluxConfig

NANOFLUX = "nanoflux"

TIERED: frozenset[Criterion] = frozenset({"in_band", "defender_failed", "verified"})
"""Criteria with a few values: spread only reorders rows equal on these."""
VERIFIED_SCORE = {True: 1.0, "not_applicable": 0.5, False: 0.0}


@dataclass(slots=True)
class Item:
    """One pooled row as selection sees it."""

    id: str
    domain: str
    skill: str
    hops: int
    criteria: dict[str, float]
    key: tuple[float, ...]
    tier: tuple[float, ...]
    rank: int = 0
    """Position by the objective alone (1 = best) within its domain."""
    pick: int | None = None
    """Order in which it was picked (1 = first); None: left out."""
    why: str = ""

    @property
    def stratum(self) -> tuple[str, int]:
        return self.skill, self.hops

    def record(self) -> dict[str, Any]:
        return {"id": self.id, "domain": self.domain, "selected": self.pick is not None, "pick": self.pick,
                "rank": self.rank, "skill": self.skill, "hops": self.hops, "criteria": self.criteria,
                "why": self.why}


@dataclass(slots=True)
class Selection:
    items: list[Item] = field(default_factory=list)

    @property
    def selected(self) -> list[Item]:
        return [item for item in self.items if item.pick is not None]

    def ids(self) -> set[str]:
        return {item.id for item in self.selected}

    def per_domain(self) -> dict[str, dict[str, int]]:
        counts: dict[str, dict[str, int]] = {}
        for item in self.items:
            entry = counts.setdefault(item.domain, {"pooled": 0, "selected": 0})
            entry["pooled"] += 1
            entry["selected"] += item.pick is not None
        return counts

    def records(self) -> list[dict[str, Any]]:
        """One line per pooled row: the selected ones first, in pick order, per domain."""
        ordered = sorted(self.items, key=lambda item: (item.domain, item.pick is None, item.pick or 0,
                                                       item.rank))
        return [item.record() for item in ordered]


def criteria_of(row: Mapping[str, Any], config: NanoFluxConfig) -> dict[str, float]:
    judge = row.get("judge") or {}
    hops, level = int(row.get("hops") or 0), int(row.get("reasoning_level") or 0)
    in_band = (config.band.hops[0] <= hops <= config.band.hops[1]
               and config.band.levels[0] <= level <= config.band.levels[1])
    verified = row.get("verified", "not_applicable")
    values: dict[str, float] = {
        "in_band": float(in_band),
        "defender_failed": float(judge.get("defender_correct") is False),
        "verified": VERIFIED_SCORE.get(verified, 0.0) if isinstance(verified, bool | str) else 0.0,
        "judge_quality": float(judge.get("reasoning_quality") or 0),
        "novelty": float(row.get("novelty") or 0.0),
    }
    return {name: values[name] for name in config.objective}


def _item(row: Mapping[str, Any], config: NanoFluxConfig) -> Item:
    criteria = criteria_of(row, config)
    row_id = str(row["id"])
    key = (*(-criteria[name] for name in config.objective), float(stable_hash("select", row_id) % 2**52))
    tier = tuple(-criteria[name] for name in config.objective if name in TIERED)
    return Item(id=row_id, domain=str(row.get("domain")), skill=str(row.get("skill") or ""),
                hops=int(row.get("hops") or 0), criteria=criteria, key=key, tier=tier)


def _decisive(winner: Item, loser: Item, objective: list[Criterion]) -> str:
    for name in objective:
        a, b = winner.criteria[name], loser.criteria[name]
        if a != b:
            return f"{name} {_show(name, a)} vs {_show(name, b)}"
    return "equal on every criterion; the tie-break (a hash of the id) decided"


def _show(name: str, value: float) -> str:
    if name == "verified":
        return {1.0: "true", 0.5: "not_applicable", 0.0: "false"}.get(value, str(value))
    if name in TIERED:
        return "yes" if value else "no"
    return f"{value:g}"


def select(rows: Iterable[Mapping[str, Any]], config: NanoFluxConfig) -> Selection:
    """Pick ``config.per_domain`` rows per domain from the pool (see the module docstring)."""
    by_domain: dict[str, list[Item]] = {}
    for row in rows:
        if row.get("id") is None:
            continue
        item = _item(row, config)
        by_domain.setdefault(item.domain, []).append(item)
    selection = Selection()
    for domain in sorted(by_domain):
        selection.items.extend(_select_domain(by_domain[domain], config))
    return selection


def _select_domain(items: list[Item], config: NanoFluxConfig) -> list[Item]:
    items.sort(key=lambda item: item.key)
    for number, item in enumerate(items, 1):
        item.rank = number
    picks: Counter[tuple[str, int]] = Counter()
    remaining = list(items)
    snapshots: dict[str, Counter[tuple[str, int]]] = {}
    for number in range(1, min(config.per_domain, len(items)) + 1):
        def order(item: Item) -> tuple[Any, ...]:
            return (item.tier, picks[item.stratum], item.key) if config.spread else item.key

        chosen = min(remaining, key=order)
        snapshots[chosen.id] = picks.copy()
        chosen.pick = number
        picks[chosen.stratum] += 1
        remaining.remove(chosen)
    left = [item for item in items if item.pick is None]
    runner_up = left[0] if left else None
    for item in items:
        item.why = _why_kept(item, runner_up, snapshots, config) if item.pick is not None else \
            _why_left(item, items, len(items), config)
    return items


def _why_kept(item: Item, runner_up: Item | None, snapshots: Mapping[str, Counter[tuple[str, int]]],
              config: NanoFluxConfig) -> str:
    head = f"pick {item.pick}, rank {item.rank}"
    if runner_up is None:
        return f"{head}: the pool held no more than {config.per_domain} items; every one is kept"
    if item.key < runner_up.key:
        return (f"{head}: ahead of every item left out; against the best of them ({runner_up.id}) on "
                f"{_decisive(item, runner_up, config.objective)}")
    before = snapshots[item.id]
    return (f"{head}: spread across skills and hops: stratum {list(item.stratum)} had {before[item.stratum]} "
            f"pick(s) when it was chosen, {runner_up.id}'s {list(runner_up.stratum)} had "
            f"{before[runner_up.stratum]} (equal on {', '.join(c for c in config.objective if c in TIERED)})")


def _why_left(item: Item, items: list[Item], total: int, config: NanoFluxConfig) -> str:
    chosen = [other for other in items if other.pick is not None]
    last = max(chosen, key=lambda other: other.pick or 0) if chosen else None
    head = f"rank {item.rank} of {total}; {len(chosen)} picked ahead of it"
    if last is None:
        return head
    if last.key < item.key:
        return f"{head}; the last pick ({last.id}) beat it on {_decisive(last, item, config.objective)}"
    return f"{head}; the last pick ({last.id}) was chosen to spread the set across skills and hops"




SELECTION_FILE = "selection.jsonl"


def settings_of_run(run: RunDir) -> NanoFluxConfig | None:
    """The NanoFlux settings a run directory's saved config holds (its ``nanoflux`` step)."""
    steps = run.read_config().get("steps")
    for entry in steps if isinstance(steps, list) else []:
        if isinstance(entry, dict) and entry.get("step") == NANOFLUX:
            options = {key: value for key, value in entry.items() if key in NanoFluxConfig.model_fields}
            return NanoFluxConfig.model_validate(options)
    return None


def select_run(run: RunDir) -> Selection:
    """The selection from a finished run's pool (recomputed: a pure function of rows and settings)."""
    config = settings_of_run(run)
    if config is None:
        return Selection()
    return select((located.row for located in run.rows()), config)


def write_selection(run: RunDir, selection: Selection) -> Path:
    path = run.task_path(SELECTION_FILE)
    atomic_write_text(path, "".join(canonical_json(line) + "\n" for line in selection.records()))
    return path


def selected_rows(run: RunDir) -> Callable[[Mapping[str, Any]], bool]:
    """The task's ``dataset``: a row belongs to the exported set when selection picked it."""
    ids = select_run(run).ids()
    return lambda row: str(row.get("id")) in ids


__all__ = ["SELECTION_FILE", "TIERED", "Item", "Selection", "criteria_of", "select", "select_run",
           "selected_rows", "settings_of_run", "write_selection"]
