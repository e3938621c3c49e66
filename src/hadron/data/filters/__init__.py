"""Row filters: each answers ``keep(row)`` with True or ``Reject(reason)``; one file per filter."""

from __future__ import annotations

from hadron.data.filters.base import FieldsFilter, Filter
from hadron.data.filters.exact_dedup import ExactDedup
from hadron.data.filters.minhash_dedup import MinHashDedup

__all__ = ["ExactDedup", "FieldsFilter", "Filter", "MinHashDedup"]
