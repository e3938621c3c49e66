"""An exact cosine index over kept questions: one matrix-vector product per query.

Vectors are stored normalized in one float32 matrix that grows by doubling, so adding is amortized
O(dim) and a query is a single ``matrix[:n] @ v`` (about 2 MFLOP at 5,000 x 384). Exact search is
what a novelty filter at this scale wants: a few thousand kept questions per domain, never millions.
Keys (round ids) come back with the nearest match, and a key can be removed, so a round that is run
again on resume replaces its own earlier entry instead of matching it.
"""

from __future__ import annotations

import numpy as np

from hadron.tasks.nanoflux.embeddings import Matrix, normalize


class NoveltyIndex:
    def __init__(self, dim: int | None = None, *, capacity: int = 64) -> None:
        self.dim = dim
        self._capacity = max(1, capacity)
        self._matrix: Matrix | None = None
        self._keys: list[str] = []
        self._rows: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, key: object) -> bool:
        return key in self._rows

    @property
    def keys(self) -> list[str]:
        return list(self._keys)

    def _vector(self, vector: Matrix) -> Matrix:
        row = normalize(vector)[0]
        if self.dim is None:
            self.dim = int(row.shape[0])
        elif row.shape[0] != self.dim:
            raise ValueError(f"vector has {row.shape[0]} dimensions, the index {self.dim}")
        return row

    def add(self, key: str, vector: Matrix) -> None:
        """Add (or replace) ``key``'s vector."""
        row = self._vector(vector)
        if key in self._rows:
            self.remove(key)
        if self._matrix is None:
            self._matrix = np.empty((self._capacity, row.shape[0]), dtype=np.float32)
        elif len(self._keys) == self._matrix.shape[0]:
            grown = np.empty((2 * self._matrix.shape[0], self._matrix.shape[1]), dtype=np.float32)
            grown[: len(self._keys)] = self._matrix
            self._matrix = grown
        self._matrix[len(self._keys)] = row
        self._rows[key] = len(self._keys)
        self._keys.append(key)

    def remove(self, key: str) -> None:
        """Drop ``key`` (the last row moves into its place)."""
        index = self._rows.pop(key)
        last = len(self._keys) - 1
        assert self._matrix is not None
        if index != last:
            moved = self._keys[last]
            self._matrix[index] = self._matrix[last]
            self._keys[index] = moved
            self._rows[moved] = index
        self._keys.pop()

    def similarities(self, vector: Matrix) -> Matrix:
        """Cosine similarity of ``vector`` to every stored vector, in key order."""
        if not self._keys or self._matrix is None:
            return np.zeros(0, dtype=np.float32)
        return self._matrix[: len(self._keys)] @ self._vector(vector)

    def nearest(self, vector: Matrix) -> tuple[float, str | None]:
        """The highest cosine similarity and its key; ``(0.0, None)`` when the index is empty."""
        scores = self.similarities(vector)
        if scores.size == 0:
            return 0.0, None
        best = int(np.argmax(scores))
        return float(scores[best]), self._keys[best]


__all__ = ["NoveltyIndex"]
