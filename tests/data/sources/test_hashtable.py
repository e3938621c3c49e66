"""U64Table: a compact uint64 -> int map that must behave exactly like the dict/set it replaces."""

from __future__ import annotations

import random
import tracemalloc

import pytest

from hadron.data.sources.hashtable import U64Table

U64_MAX = 2**64 - 1


def test_empty_table() -> None:
    table = U64Table()
    assert len(table) == 0
    assert table.get(12345) is None and 12345 not in table
    assert table.get(0) is None and 0 not in table


def test_set_get_and_overwrite() -> None:
    table = U64Table()
    table.set(7, 3)
    table.set(U64_MAX, 9)
    assert table.get(7) == 3 and table.get(U64_MAX) == 9 and len(table) == 2
    table.set(7, 4)
    assert table.get(7) == 4 and len(table) == 2
    table.set(7, 0)
    assert table.get(7) == 0 and 7 in table


def test_add_inserts_zero_and_keeps_an_existing_value() -> None:
    table = U64Table()
    table.add(5)
    assert table.get(5) == 0 and 5 in table and len(table) == 1
    table.set(5, 8)
    table.add(5)
    assert table.get(5) == 8 and len(table) == 1


def test_setdefault_returns_the_first_value() -> None:
    table = U64Table()
    assert table.setdefault(11, 4) == 4 and table.setdefault(11, 9) == 4 and table.get(11) == 4
    assert table.setdefault(12, 0) == 0 and table.setdefault(12, 5) == 0
    assert table.setdefault(0, 6) == 6 and table.setdefault(0, 7) == 6
    assert len(table) == 3


def test_key_zero_is_an_ordinary_key() -> None:
    table = U64Table()
    table.add(0)
    assert 0 in table and table.get(0) == 0 and len(table) == 1
    table.set(0, 41)
    table.add(0)
    assert table.get(0) == 41 and len(table) == 1
    table.set(1, 1)  # key 0's home slot neighbour is unaffected
    assert table.get(1) == 1 and table.get(0) == 41 and len(table) == 2


def test_colliding_keys_and_wraparound() -> None:
    """Keys sharing their low bits probe past each other, and a run at the last slot wraps to the first."""
    table = U64Table(capacity=4)  # 8 slots, mask 7
    last_slot = [(n << 40) | 7 for n in range(1, 5)]  # all home at slot 7
    for value, key in enumerate(last_slot, start=1):
        table.set(key, value)
    assert [table.get(key) for key in last_slot] == [1, 2, 3, 4]
    assert (5 << 40) | 7 not in table  # a miss walks the whole wrapped run
    assert table.get(1 << 40) is None  # home slot 0, occupied by a wrapped key


def test_growth_keeps_every_key_and_value() -> None:
    table = U64Table(capacity=1)
    keys = [(n * 0x9E37_79B9_7F4A_7C15) & U64_MAX for n in range(1, 5001)]
    for value, key in enumerate(keys):
        table.set(key, value)
    assert len(table) == len(keys)
    assert all(table.get(key) == value for value, key in enumerate(keys))
    present = set(keys)
    assert all(key + 1 not in table for key in keys if key + 1 not in present)


def test_values_widen_past_32_bits() -> None:
    table = U64Table()
    table.set(3, 2**32 - 1)
    table.set(4, 2**32)
    table.set(5, U64_MAX)
    assert [table.get(key) for key in (3, 4, 5)] == [2**32 - 1, 2**32, U64_MAX]


@pytest.mark.parametrize("value", [-1, 2**64])
def test_out_of_range_values_are_refused_without_change(value: int) -> None:
    table = U64Table()
    table.set(9, 1)
    for key in (9, 10, 0):
        with pytest.raises(ValueError, match="U64Table values"):
            table.set(key, value)
    assert table.get(9) == 1 and 10 not in table and 0 not in table and len(table) == 1


@pytest.mark.parametrize("key", [-1, 2**64])
def test_out_of_range_keys_are_refused_without_change(key: int) -> None:
    table = U64Table()
    assert key not in table and table.get(key) is None
    with pytest.raises(OverflowError):
        table.add(key)
    with pytest.raises(OverflowError):
        table.set(key, 3)
    assert len(table) == 0 and key not in table
    for near in (7, 8):  # the slot the refused key probed (7 or 0) is still usable and clean
        table.add(near)
    assert table.get(7) == 0 and table.get(8) == 0 and len(table) == 2


def test_matches_a_dict_under_random_operations() -> None:
    rng = random.Random(20240611)
    # Few distinct keys, many sharing low bits, plus 0 and the extremes: hits, misses and collisions.
    pool = [rng.getrandbits(64) for _ in range(3000)]
    pool += [(rng.getrandbits(40) << 24) | 0x5A for _ in range(300)] + [0, 1, U64_MAX]
    table, reference = U64Table(capacity=2), {}
    for _ in range(40_000):
        key, op = rng.choice(pool), rng.random()
        if op < 0.35:
            value = rng.choice([0, rng.randrange(100), rng.getrandbits(33), rng.getrandbits(64)])
            table.set(key, value)
            reference[key] = value
        elif op < 0.5:
            table.add(key)
            reference.setdefault(key, 0)
        elif op < 0.6:
            default = rng.choice([0, rng.getrandbits(40)])
            assert table.setdefault(key, default) == reference.setdefault(key, default)
        elif op < 0.8:
            assert table.get(key) == reference.get(key)
        else:
            assert (key in table) == (key in reference)
        assert len(table) == len(reference)
    assert all(table.get(key) == value for key, value in reference.items())


def test_a_set_like_table_costs_well_under_a_python_set() -> None:
    """The point of the type: ~8-16 bytes per key used as a set, against ~60+ for a set of ints."""
    rng = random.Random(1)
    keys = [rng.getrandbits(64) for _ in range(60_000)]
    tracemalloc.start()
    try:
        table = U64Table()
        for key in keys:
            table.add(key)
        current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(table) == len(keys)
    assert current / len(keys) < 24 and peak / len(keys) < 36
