"""MinHashDedup drops near-duplicates with reason near_duplicate and the id they resemble."""

from __future__ import annotations

import pytest

from hadron.core import Reject
from hadron.errors import ConfigError
from hadron.runtime.steps import MinHashDedup
from hadron.runtime.steps.minhash_dedup import shingles

BASE = "Explain how photosynthesis turns sunlight, water and carbon dioxide into sugar and oxygen."


def test_near_duplicate_is_rejected_with_reason_and_id() -> None:
    dedup = MinHashDedup(fields=["prompt"], threshold=0.7)
    assert dedup.keep({"id": "orig", "prompt": BASE}) is True
    verdict = dedup.keep({"id": "copy", "prompt": BASE.replace("Explain", "explain ").rstrip(".") + "!"})
    assert verdict == Reject("near_duplicate", {"duplicate_of": "orig"})


def test_different_prompts_are_kept() -> None:
    dedup = MinHashDedup(fields=["prompt"])
    prompts = [BASE, "Write a haiku about autumn leaves falling on a quiet pond.",
               "What is the time complexity of binary search, and why?",
               "Explain how a bicycle stays upright while it is moving forward."]
    assert all(dedup.keep({"id": str(n), "prompt": p}) is True for n, p in enumerate(prompts))


def test_the_same_row_again_is_kept_and_empty_text_passes() -> None:
    dedup = MinHashDedup(fields=["prompt"])
    assert dedup.keep({"id": "a", "prompt": BASE}) is True
    assert dedup.keep({"id": "a", "prompt": BASE}) is True
    assert dedup.keep({"id": "e", "prompt": "   "}) is True


def test_results_are_reproducible() -> None:
    rows = [{"id": str(n), "prompt": BASE + " " + "x" * (n % 3)} for n in range(6)]
    one, two = MinHashDedup(fields=["prompt"]), MinHashDedup(fields=["prompt"])
    first = [one.keep(row) for row in rows]
    assert [two.keep(row) for row in rows] == first
    assert first[0] is True and all(verdict == Reject("near_duplicate", {"duplicate_of": "0"})
                                    for verdict in first[1:])


def test_bad_options_are_config_errors() -> None:
    with pytest.raises(ConfigError):
        MinHashDedup(fields=["prompt"], threshold=1.5)
    with pytest.raises(ConfigError):
        MinHashDedup(fields=["prompt"], shingle=0)


def test_shingles() -> None:
    assert shingles("abcdef", 5) == {"abcde", "bcdef"}
    assert shingles("abc", 5) == {"abc"}
    assert shingles("", 5) == set()


async def test_restored_rows_are_in_the_index() -> None:
    dedup = MinHashDedup(fields=["prompt"], threshold=0.7)
    used = await dedup.restore([{"id": "orig", "prompt": BASE}, {"id": "x", "other": "no prompt"},
                                {"id": "blank", "prompt": " "}])
    assert used == 1
    verdict = dedup.keep({"id": "copy", "prompt": BASE.replace("Explain", "explain ")})
    assert verdict == Reject("near_duplicate", {"duplicate_of": "orig"})
    assert dedup.keep({"id": "orig", "prompt": BASE}) is True


async def test_a_restored_fan_out_child_is_not_a_duplicate_of_its_parent() -> None:
    dedup = MinHashDedup(fields=["prompt"])
    await dedup.restore([{"id": "p/0", "prompt": BASE}])
    assert dedup.keep({"id": "p", "prompt": BASE}) is True
    assert isinstance(dedup.keep({"id": "q", "prompt": BASE}), Reject)
