"""A compact map from 64-bit hashes to small non-negative ints, for per-row bookkeeping.

A dict or set of Python ints costs ~80-100 bytes per entry; streaming a million prompts made that
the largest thing in the process. ``U64Table`` is open addressing with linear probing over
``array.array``: 8 bytes per slot for keys, 4 more for values once any value is non-zero, the table
between 0.3 and ``MAX_LOAD`` full, so ~13-27 bytes per key (~20-40 with values). ``array`` rather than
numpy: its item access returns plain ints, faster than numpy scalars in a Python probe loop (which
runs once per input row) and free of numpy 1.x's uint64-vs-int comparisons going through float64.

Keys are assumed to be well-mixed already (``stable_hash`` output), so the slot is the key's low
bits. Slot value 0 means empty; the key 0 itself is kept outside the arrays.
"""

from __future__ import annotations

from array import array

MAX_LOAD = 0.6  # grow (double) past this fill; linear probing slows sharply above ~0.7
_U32_MAX = 0xFFFF_FFFF
_U64_MAX = 0xFFFF_FFFF_FFFF_FFFF


class U64Table:
    """``uint64 key -> int value >= 0``, no deletion. A key added without a value maps to 0.

    The value array is only allocated when a non-zero value is first stored, so a table used as a
    set (``add`` / ``in``) or whose values are mostly 0 costs 8 bytes per slot. Values start as
    uint32 and widen to uint64 the first time one does not fit.
    """

    __slots__ = ("_keys", "_limit", "_mask", "_size", "_values", "_zero")

    def __init__(self, capacity: int = 1024) -> None:
        slots = 8
        while slots * MAX_LOAD < capacity:
            slots *= 2
        self._keys = array("Q", [0]) * slots
        self._values: array[int] | None = None
        self._mask = slots - 1
        self._size = 0  # keys in the arrays (the key 0 is counted apart)
        self._limit = int(slots * MAX_LOAD)
        self._zero: int | None = None  # the key 0's value, None while absent

    def __len__(self) -> int:
        return self._size + (self._zero is not None)

    def _probe(self, key: int) -> int:
        """The slot holding ``key``, or the empty slot where it would go (a nonzero key)."""
        keys, mask = self._keys, self._mask
        slot = key & mask
        while True:
            found = keys[slot]
            if found == key or found == 0:
                return slot
            slot = (slot + 1) & mask

    def __contains__(self, key: int) -> bool:
        if key == 0:
            return self._zero is not None
        return self._keys[self._probe(key)] != 0

    def get(self, key: int) -> int | None:
        """The key's value, or None when the key is absent."""
        if key == 0:
            return self._zero
        slot = self._probe(key)
        if self._keys[slot] == 0:
            return None
        values = self._values
        return 0 if values is None else values[slot]

    def add(self, key: int) -> None:
        """Insert the key with value 0, or leave it (and its value) alone if present."""
        if key == 0:
            if self._zero is None:
                self._zero = 0
            return
        slot = self._probe(key)
        if self._keys[slot] == 0:
            self._insert(slot, key)
            if self._size > self._limit:
                self._grow()

    def set(self, key: int, value: int) -> None:
        """Map the key to ``value`` (``0 <= value < 2**64``), inserting it if absent."""
        if not 0 <= value <= _U64_MAX:
            raise ValueError(f"U64Table values must be in [0, 2**64), got {value}")
        if key == 0:
            self._zero = value
            return
        slot = self._probe(key)
        if self._keys[slot] == 0:
            self._insert(slot, key)
        values = self._values
        if values is not None and (value <= _U32_MAX or values.typecode == "Q"):
            values[slot] = value
        elif value:  # an empty slot's value is already 0
            self._store_wide(slot, value)
        if self._size > self._limit:
            self._grow()

    def setdefault(self, key: int, default: int) -> int:
        """The key's value; when absent, first insert it with ``default`` (like ``dict.setdefault``)."""
        found = self.get(key)
        if found is None:
            self.set(key, default)
            return default
        return found

    def _insert(self, slot: int, key: int) -> None:
        self._keys[slot] = key  # OverflowError for a key outside uint64 leaves the table unchanged
        self._size += 1

    def _store_wide(self, slot: int, value: int) -> None:
        """Store a value the current value array cannot take: allocate it, or widen it to uint64."""
        values = self._values
        if values is None:
            values = array("I", [0]) * len(self._keys)
        if value > _U32_MAX and values.typecode == "I":
            values = array("Q", values)
        values[slot] = value
        self._values = values

    def _grow(self) -> None:
        old_keys, old_values = self._keys, self._values
        slots = 2 * len(old_keys)
        mask = slots - 1
        keys = array("Q", [0]) * slots
        if old_values is None:
            for key in old_keys:
                if key:
                    slot = key & mask
                    while keys[slot]:
                        slot = (slot + 1) & mask
                    keys[slot] = key
        else:
            values = array(old_values.typecode, [0]) * slots
            for key, value in zip(old_keys, old_values, strict=True):
                if key:
                    slot = key & mask
                    while keys[slot]:
                        slot = (slot + 1) & mask
                    keys[slot] = key
                    values[slot] = value
            self._values = values
        self._keys, self._mask = keys, mask
        self._limit = int(slots * MAX_LOAD)
