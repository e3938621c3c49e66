"""Selection from the pool: the objective's order, spread across strata, reasons, reproducibility."""

from __future__ import annotations

import random
from typing import Any

from hadron.tasks.nanoflux.config import NanoFluxConfig
from hadron.tasks.nanoflux.selection import select


def row(n: int, *, hops: int = 3, level: int = 2, failed: bool = True, verified: Any = True,
        quality: int = 3, novelty: float = 0.5, skill: str = "algebra") -> dict[str, Any]:
    return {"id": f"math/r{n:05d}", "domain": "math", "skill": skill, "hops": hops, "reasoning_level": level,
            "judge": {"defender_correct": not failed, "reasoning_quality": quality},
            "verified": verified, "novelty": novelty}


def config(**overrides: Any) -> NanoFluxConfig:
    return NanoFluxConfig.model_validate({"per_domain": 2, "spread": False, **overrides})


def test_the_objective_is_lexicographic_in_its_order() -> None:
    pool = [row(0, verified=False, quality=5), row(1, verified=True, quality=2),
            row(2, verified="not_applicable", quality=4), row(3, hops=20, quality=5)]
    chosen = select(pool, config())
    assert [item.id for item in chosen.selected] == ["math/r00001", "math/r00002"]  # verified, then n/a
    by_quality = select(pool, config(objective=["judge_quality", "verified"]))
    assert {item.id for item in by_quality.selected} == {"math/r00000", "math/r00003"}


def test_selection_does_not_depend_on_row_order() -> None:
    pool = [row(n, quality=3, novelty=0.5) for n in range(12)]  # all tied: the id hash decides
    first = select(pool, config(per_domain=4)).ids()
    shuffled = list(pool)
    random.Random(7).shuffle(shuffled)
    assert select(shuffled, config(per_domain=4)).ids() == first and len(first) == 4


def test_spread_picks_across_skills_and_hops_among_equals() -> None:
    pool = [row(n, skill="algebra", hops=3, quality=5) for n in range(4)] + [
        row(10, skill="geometry", hops=4, quality=2), row(11, skill="geometry", hops=4, verified=False)]
    plain = select(pool, config(per_domain=2))
    assert {item.skill for item in plain.selected} == {"algebra"}
    spread = select(pool, config(per_domain=2, spread=True))
    picked = {item.id: item for item in spread.selected}
    assert {item.skill for item in picked.values()} == {"algebra", "geometry"}
    assert "math/r00011" not in picked  # spread never outranks the yes/no criteria (verified)
    assert "spread across skills and hops" in picked["math/r00010"].why


def test_every_item_says_why_it_was_kept_or_left_out() -> None:
    pool = [row(0, verified=True), row(1, verified=True, novelty=0.9), row(2, verified=False)]
    chosen = select(pool, config())
    records = {line["id"]: line for line in chosen.records()}
    assert records["math/r00001"]["pick"] == 1 and records["math/r00001"]["selected"]
    assert "math/r00002" in records["math/r00000"]["why"] and "verified true vs false" in records[
        "math/r00000"]["why"]
    left = records["math/r00002"]
    assert not left["selected"] and left["rank"] == 3 and "verified true vs false" in left["why"]
    assert left["criteria"] == {"in_band": 1.0, "defender_failed": 1.0, "verified": 0.0,
                                "judge_quality": 3.0, "novelty": 0.5}
    assert chosen.per_domain() == {"math": {"pooled": 3, "selected": 2}}
