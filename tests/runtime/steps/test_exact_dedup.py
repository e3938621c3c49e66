"""ExactDedup drops normalised repeats with reason exact_duplicate and the id it repeats."""

from __future__ import annotations

from hadron.core import Reject
from hadron.runtime.steps import ExactDedup


async def test_repeat_is_rejected_with_reason_and_first_id() -> None:
    dedup = ExactDedup(fields=["prompt"])
    assert await dedup.keep({"id": "a", "prompt": "Say  hi\n"}) is True
    assert await dedup.keep({"id": "b", "prompt": "say hi"}) is True  # case matters by default
    verdict = await dedup.keep({"id": "c", "prompt": " Say hi"})
    assert verdict == Reject("exact_duplicate", {"duplicate_of": "a"})


async def test_ignore_case_and_multiple_fields() -> None:
    dedup = ExactDedup(fields=["prompt", "completion"], ignore_case=True)
    assert await dedup.keep({"id": "a", "prompt": "Q", "completion": "A"}) is True
    assert await dedup.keep({"id": "b", "prompt": "Q", "completion": "other"}) is True
    rejected = await dedup.keep({"id": "c", "prompt": "q", "completion": "a"})
    assert isinstance(rejected, Reject) and rejected.reason == "exact_duplicate"
    assert rejected.detail["duplicate_of"] == "a"


async def test_field_boundaries_matter() -> None:
    dedup = ExactDedup(fields=["a", "b"])
    assert await dedup.keep({"id": "1", "a": "xy", "b": "z"}) is True
    assert await dedup.keep({"id": "2", "a": "x", "b": "yz"}) is True


async def test_the_same_row_again_is_kept() -> None:
    dedup = ExactDedup(fields=["prompt"])
    row = {"id": "a", "prompt": "p"}
    assert await dedup.keep(row) is True and await dedup.keep(row) is True


def test_config_names_kind_and_fields() -> None:
    assert ExactDedup(fields=["prompt"]).config() == {
        "kind": "exact_dedup", "name": "exact_dedup", "fields": ["prompt"], "ignore_case": False}


async def test_restored_rows_count_as_seen() -> None:
    dedup = ExactDedup(fields=["prompt"])
    used = await dedup.restore([{"id": "a", "prompt": "p"}, {"id": "x", "other": "no prompt"}])
    assert used == 1  # a row without the field (a later step dropped it) is passed over
    assert await dedup.keep({"id": "b", "prompt": " p"}) == Reject("exact_duplicate", {"duplicate_of": "a"})
    assert await dedup.keep({"id": "a", "prompt": "p"}) is True


async def test_a_restored_fan_out_child_is_not_a_duplicate_of_its_parent() -> None:
    dedup = ExactDedup(fields=["prompt"])
    await dedup.restore([{"id": "a/0", "prompt": "p"}, {"id": "a/1", "prompt": "p"}])
    assert await dedup.keep({"id": "a", "prompt": "p"}) is True  # the parent rerun (--retry-errors)
    assert isinstance(await dedup.keep({"id": "ab", "prompt": "p"}), Reject)


def test_dedup_shares_its_state_and_minhash_does_not() -> None:
    from hadron.runtime.steps import MinHashDedup

    assert ExactDedup.keeps_state and ExactDedup.shares_state
    assert MinHashDedup.keeps_state and not MinHashDedup.shares_state


async def test_two_copies_sharing_one_state_catch_each_others_duplicates() -> None:
    from hadron.runtime.shared_state import LocalState

    shared = LocalState()
    first, second = ExactDedup(fields=["prompt"]), ExactDedup(fields=["prompt"])
    first.share_state(shared)
    second.share_state(shared)
    assert await first.keep({"id": "a", "prompt": "p"}) is True
    assert await second.keep({"id": "b", "prompt": "p"}) == Reject("exact_duplicate", {"duplicate_of": "a"})
