"""The cosine index, and the novelty filter with real embeddings (the packaged all-MiniLM-L6-v2)."""

from __future__ import annotations

import numpy as np
import pytest

from hadron.tasks.nanoflux.config import NanoFluxConfig
from hadron.tasks.nanoflux.curation import Curator
from hadron.tasks.nanoflux.embeddings import LocalMiniLM
from hadron.tasks.nanoflux.novelty import NoveltyIndex
from hadron.tasks.nanoflux.records import Attack, Candidate, Judged, RoundPlan, Verdict

from .conftest import GOOD_VERDICT


def test_nearest_is_exact_and_the_matrix_grows() -> None:
    rng = np.random.default_rng(7)
    vectors = rng.standard_normal((300, 16)).astype(np.float32)
    index = NoveltyIndex(capacity=4)
    for i, vector in enumerate(vectors):
        index.add(f"k{i}", vector)
    assert len(index) == 300
    query = rng.standard_normal(16).astype(np.float32)
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    expected = unit @ (query / np.linalg.norm(query))
    score, key = index.nearest(query)
    assert key == f"k{int(np.argmax(expected))}"
    assert score == pytest.approx(float(expected.max()), abs=1e-5)
    assert index.nearest(vectors[42]) == (pytest.approx(1.0, abs=1e-5), "k42")


def test_remove_and_replace() -> None:
    index = NoveltyIndex()
    assert index.nearest(np.ones(3)) == (0.0, None)
    index.add("a", np.array([1.0, 0, 0]))
    index.add("b", np.array([0, 1.0, 0]))
    index.add("c", np.array([0, 0, 1.0]))
    index.remove("a")
    assert "a" not in index and len(index) == 2
    assert index.nearest(np.array([1.0, 0, 0]))[0] == pytest.approx(0.0)
    assert index.nearest(np.array([0, 0, 1.0]))[1] == "c"
    index.add("b", np.array([1.0, 0, 0]))  # replaces b's vector
    assert len(index) == 2 and index.nearest(np.array([1.0, 0, 0]))[1] == "b"
    with pytest.raises(ValueError, match="dimensions"):
        index.add("d", np.ones(5))


def candidate(n: int, question: str) -> Candidate:
    plan = RoundPlan(domain="math", skill="s", index=n, attacker_model="a", defender_model="b")
    return Candidate(plan=plan, attack=Attack(question=question, explanation="e", answer="1"),
                     judged=Judged(verdict=Verdict(**GOOD_VERDICT), model="j"))


@pytest.mark.model
async def test_near_duplicates_are_rejected_and_distinct_questions_kept() -> None:
    curator = Curator(NanoFluxConfig(novelty_threshold=0.85), LocalMiniLM())
    questions = [
        "A train leaves a station at 3 pm travelling at 80 km/h. How far has it gone by 5:30 pm?",
        "A train departs the station at 3 pm and travels at 80 km/h; what distance has it covered by "
        "5:30 pm?",
        "A patient weighing 70 kg needs 15 mg/kg of a drug split into three doses. How many mg per dose?",
        "How many ways can 5 different books be arranged on a shelf if two of them must stay together?",
    ]
    decisions = [await curator.decide(candidate(n, q)) for n, q in enumerate(questions)]
    assert [d.reason for d in decisions] == [None, "too_similar", None, None]
    assert decisions[1].nearest == "math/r00000" and decisions[1].similarity > 0.85
    assert all(d.similarity is not None and d.similarity < 0.5 for d in decisions[2:])
    assert curator.kept["math"] == 3
    await curator.embedder.aclose()


@pytest.mark.model
async def test_restored_questions_count_and_a_rerun_round_replaces_its_entry() -> None:
    config = NanoFluxConfig(per_domain=2, pool_factor=1, novelty_threshold=0.85)
    curator = Curator(config, LocalMiniLM())
    question = "What is the sum of the interior angles of a convex hexagon, in degrees?"
    restored = await curator.restore([{"id": "math/r00000", "domain": "math", "question": question},
                                      {"id": "other/r00000", "domain": "biology", "question": "ignored"}])
    assert restored == 1 and curator.kept["math"] == 1
    again = await curator.decide(candidate(0, question))  # round 0 run again after a crash
    assert again.kept and curator.kept["math"] == 1
    copy = await curator.decide(candidate(1, question))
    assert copy.reason == "too_similar"
