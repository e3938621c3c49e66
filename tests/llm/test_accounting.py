from __future__ import annotations

from hadron.llm import Completion, Meter, ServerError, Tally, TokenUsage
from hadron.llm.errors import RetriesExhausted


def test_tally_of_a_completion_and_sum() -> None:
    done = Completion(text="x", model="m", usage=TokenUsage(10, 5), attempts=3, cost_usd=0.5, latency_s=2.0)
    tally = Tally.of(done, reask=True)
    assert tally == Tally(calls=1, retries=2, reasks=1, prompt_tokens=10, completion_tokens=5,
                          cost_usd=0.5, seconds=2.0)
    hit = Tally.of(Completion(text="x", model="m", usage=TokenUsage(10, 5), cached=True, cost_usd=0.5))
    # A replay carries the original call's usage and cost, counted as saved; it took no time.
    assert hit == Tally(calls=1, cache_hits=1, prompt_tokens=10, completion_tokens=5, cost_usd=0.5,
                        saved_usd=0.5)
    total = tally + hit
    assert (total.calls, total.cache_hits, total.cost_usd, total.paid_usd, total.requests) == (
        2, 1, 1.0, 0.5, 3)


def test_tally_counts_truncated_unpriced_and_thinking_reasks() -> None:
    cut = Completion(text="x", model="m", finish_reason="length", priced=False, reasks=2)
    assert Tally.of(cut, reask=True) == Tally(calls=1, reasks=3, truncated=1, unpriced=1)


def test_tally_of_an_error_counts_its_retries() -> None:
    error = RetriesExhausted("gave up", attempts=4, last=ServerError("x"))
    assert Tally.of_error(error) == Tally(calls=1, errors=1, retries=3)


def test_meter_sums_by_role_model_and_row() -> None:
    meter = Meter()
    meter.add(Tally(calls=1, cost_usd=1.0), role="judge", model="a", row="r1")
    meter.add(Tally(calls=1, cost_usd=2.0), role="judge", model="b", row="r1")
    meter.add(Tally(calls=1, cost_usd=4.0), role="critic", model="a")
    assert meter.total.cost_usd == 7.0
    assert meter.by_role()["judge"].calls == 2 and meter.by_model()["a"].cost_usd == 5.0
    assert meter.pop_row("r1").cost_usd == 3.0 and meter.pop_row("r1") == Tally()


def test_adding_tallies_sums_every_field() -> None:
    """``__add__`` spells the fields out (for speed); a field added to Tally must be added there too."""
    from dataclasses import fields

    names = [f.name for f in fields(Tally)]
    left = Tally(*range(1, len(names) + 1))
    right = Tally(*(10 * value for value in range(1, len(names) + 1)))
    total = left + right
    assert [getattr(total, name) for name in names] == [11 * value for value in range(1, len(names) + 1)]


def test_a_rows_tallies_are_kept_by_role_and_calls_for_no_row_apart() -> None:
    meter = Meter()
    meter.add(Tally(calls=1, prompt_tokens=4), role="judge", model="a", row="r1")
    meter.add(Tally(calls=1, prompt_tokens=6), role="judge", model="a", row="r1")
    meter.add(Tally(calls=1), role="author", model="a", row="r1")
    meter.add(Tally(calls=1), role="probe", model="a")
    assert meter.row("r1") == Tally(calls=3, prompt_tokens=10)
    assert meter.pop_row_roles("r1") == {"judge": Tally(calls=2, prompt_tokens=10), "author": Tally(calls=1)}
    assert meter.pop_row_roles("r1") == {} and dict(meter.unrouted) == {"probe": Tally(calls=1)}
