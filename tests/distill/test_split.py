from __future__ import annotations

import pytest

from hadron.distill.gold import GoldRecord
from hadron.distill.split import carve_valset, split_gold
from hadron.errors import ConfigError


def records(n: int, **splits: str) -> list[GoldRecord]:
    return [GoldRecord.model_validate({"id": f"r:{i}", "input": i, "label": i, "split": splits.get(f"r{i}")})
            for i in range(n)]


def ids(items: list[GoldRecord]) -> list[str]:
    return [r.id for r in items]


def test_stride_holds_out_every_kth_untagged_record() -> None:
    split = split_gold(records(9), stride=3, val_stride=0)
    assert ids(split.holdout) == ["r:2", "r:5", "r:8"]
    assert ids(split.trainset) == ["r:0", "r:1", "r:3", "r:4", "r:6", "r:7"]
    assert split.valset == split.trainset


def test_split_is_identical_on_every_run() -> None:
    first = split_gold(records(20), stride=4, val_stride=3)
    for _ in range(3):
        again = split_gold(records(20), stride=4, val_stride=3)
        assert (ids(again.trainset), ids(again.valset), ids(again.holdout)) == \
            (ids(first.trainset), ids(first.valset), ids(first.holdout))


def test_explicit_tags_win_and_do_not_shift_the_stride() -> None:
    data = records(6, r0="holdout", r1="train", r4="train")
    split = split_gold(data, stride=2, val_stride=0)
    # untagged in order: r2, r3, r5 -> positions 0, 1, 2 -> r3 held out
    assert ids(split.holdout) == ["r:0", "r:3"]
    assert ids(split.trainset) == ["r:1", "r:2", "r:4", "r:5"]


def test_valset_carved_from_train_only() -> None:
    split = split_gold(records(12), stride=4, val_stride=3)
    holdout = set(ids(split.holdout))
    assert ids(split.holdout) == ["r:3", "r:7", "r:11"]
    assert ids(split.valset) == ["r:2", "r:6", "r:10"]
    assert not holdout & set(ids(split.valset)) and not holdout & set(ids(split.trainset))
    assert sorted(ids(split.train)) == sorted(ids(split.trainset) + ids(split.valset))


def test_empty_parts_are_errors() -> None:
    with pytest.raises(ConfigError, match="no holdout records"):
        split_gold(records(3, r0="train", r1="train", r2="train"), stride=4, val_stride=0)
    with pytest.raises(ConfigError, match="no train records"):
        split_gold(records(2, r0="test", r1="holdout"), stride=4, val_stride=0)
    with pytest.raises(ConfigError, match="stride must be at least 2"):
        split_gold(records(4), stride=1, val_stride=0)
    with pytest.raises(ConfigError, match="too few to carve"):
        carve_valset(records(2), 3)
