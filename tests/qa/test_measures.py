from __future__ import annotations

import pytest

from hadron.llm.accounting import Tally
from hadron.qa.measures import Distribution


def test_distribution_describe_and_quantiles() -> None:
    d = Distribution()
    for value in [1, 2, 2, 3, 10]:
        d.add(value)
    assert d.describe() == {"n": 5, "mean": pytest.approx(3.6), "median": 2.0, "min": 1.0, "max": 10.0,
                            "p90": 10.0}
    assert Distribution().describe()["mean"] is None


def test_histogram_small_integer_range_has_one_bin_per_value() -> None:
    d = Distribution()
    for value in [2, 2, 4]:
        d.add(value)
    assert d.histogram() == [(2, 2, 2), (3, 3, 0), (4, 4, 1)]


def test_histogram_wide_ranges_are_binned() -> None:
    d = Distribution()
    for value in [0.0, 0.5, 1.0]:
        d.add(value)
    bins = d.histogram(bins=2)
    assert [c for _, _, c in bins] == [1, 2]
    wide = Distribution()
    for value in range(0, 1000, 7):
        wide.add(value)
    bins = wide.histogram(bins=10)
    assert sum(c for _, _, c in bins) == wide.n
    assert all(float(lo).is_integer() for lo, _, _ in bins)


def test_distribution_stays_bounded() -> None:
    d = Distribution()
    for i in range(100_000):
        d.add(1.0 + i * 1e-9)  # rounding to 4 significant digits folds these together
    assert d.n == 100_000 and len(d.values) == 1


def test_usage_adds_and_ignores_unknown_keys() -> None:
    record = {"calls": 2, "cache_hits": 1, "seconds": 3.0, "cost_usd": 0.5, "bogus": 9, "errors": "x"}
    u = Tally.from_dict(record)
    total = u + Tally(calls=1, seconds=1.0)
    assert (total.calls, total.cache_hits, total.seconds, total.cost_usd) == (3, 1, 4.0, 0.5)
    assert total.seconds_per_call == pytest.approx(2.0)
    assert Tally(calls=1, cache_hits=1).seconds_per_call is None
